/**
 * Keyboard shortcuts for the call controls, shown in each button's tooltip and aria-keyshortcuts:
 * Alt+Shift+M the microphone, Alt+Shift+V the camera, Alt+Shift+S screen sharing, and
 * Alt+Shift+H pressed twice within {@link HANG_UP_CONFIRM_MS} hangs up.
 *
 * Why Alt+Shift: neither Chromium, Firefox nor Electron's default menu binds Alt+Shift with
 * these letters (Ctrl+Shift+M/O/H and Alt+letter menus are taken), screen readers pass
 * Alt-modified keys through in browse mode, and a modifier keeps them from firing on a stray
 * letter (WCAG 2.1.4). They never fire while the focus is in a text field, a select or an
 * editable region, where the keys may type a character (macOS's Option+Shift does).
 */
import type { CallContext, Feature } from './feature.js';
import { onLanguageChange, t, type StringKey } from './i18n.js';

/** A second Alt+Shift+H within this time hangs up; a lone press only says so. */
const HANG_UP_CONFIRM_MS = 3_000;

interface Shortcut {
  /** The letter pressed with Alt+Shift. */
  letter: string;
  /** The button it acts on, looked up when the key is pressed (some come and go). */
  button(): HTMLButtonElement | null;
  tip: StringKey;
  /** Acts on the button, which is there and enabled; says what happened. */
  run(button: HTMLButtonElement, event: KeyboardEvent): void;
  /** What to say when the button is missing or disabled. */
  unavailable: StringKey;
}

/** Input types where keys type text; checkboxes, radios and buttons are not among them. */
const NOT_TEXT = new Set(['button', 'checkbox', 'radio', 'reset', 'submit', 'range', 'color']);

function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !NOT_TEXT.has(target.type);
}

/**
 * The letter of an Alt+Shift chord: the layout's letter, else the physical key's (macOS's Option
 * composes a character in place of the letter).
 */
function chordLetter(event: KeyboardEvent): string | null {
  if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey) return null;
  if (/^[a-z]$/i.test(event.key)) return event.key.toUpperCase();
  return /^Key([A-Z])$/.exec(event.code)?.[1] ?? null;
}

export function keyboardShortcuts(ctx: CallContext): Feature {
  const { ui } = ctx;
  /** When Alt+Shift+H was pressed last, to hang up on the second press only. */
  let hangUpArmedAt = -Infinity;

  const toggle =
    (on: StringKey, off: StringKey) =>
    (button: HTMLButtonElement): void => {
      button.click();
      ctx.announce(t(button.getAttribute('aria-pressed') === 'true' ? on : off));
    };

  const shortcuts: Shortcut[] = [
    {
      letter: 'M',
      button: () => ui.muteButton,
      tip: 'core.muteTip',
      run: toggle('core.microphoneMuted', 'core.microphoneOn'),
      unavailable: 'core.noMicrophone',
    },
    {
      letter: 'V',
      button: () => ui.cameraButton,
      tip: 'core.cameraTip',
      run: toggle('core.cameraIsOff', 'core.cameraIsOn'),
      unavailable: 'core.noCamera',
    },
    {
      letter: 'S',
      // The screen-share feature's button; its feature says what sharing does.
      button: () => ui.shareControls.querySelector<HTMLButtonElement>('#share-button'),
      tip: 'core.shareTip',
      run: (button) => button.click(),
      unavailable: 'core.shareUnavailable',
    },
    {
      letter: 'H',
      button: () => ui.hangUpButton,
      tip: 'core.hangUpTip',
      run: (button, event) => {
        if (event.timeStamp - hangUpArmedAt <= HANG_UP_CONFIRM_MS) {
          hangUpArmedAt = -Infinity;
          button.click();
          return;
        }
        hangUpArmedAt = event.timeStamp;
        ctx.announce(t('core.hangUpAgain', { keys: keysWords('H') }));
      },
      unavailable: 'core.noCallToHangUp',
    },
  ];

  function keysWords(letter: string): string {
    return `${t('core.keyAlt')}+${t('core.keyShift')}+${letter}`;
  }

  /** Writes each button's tooltip and aria-keyshortcuts (the share button once it exists). */
  function describe(): void {
    for (const shortcut of shortcuts) {
      const button = shortcut.button();
      if (!button) continue;
      button.title = t(shortcut.tip, { keys: keysWords(shortcut.letter) });
      button.setAttribute('aria-keyshortcuts', `Alt+Shift+${shortcut.letter}`);
    }
  }

  window.addEventListener('keydown', (event) => {
    const letter = chordLetter(event);
    const shortcut = shortcuts.find((candidate) => candidate.letter === letter);
    // The call controls are on screen only in the room.
    if (!shortcut || event.repeat || event.isComposing || ui.session.hidden) return;
    if (typingIn(event.target)) return;
    event.preventDefault();
    const button = shortcut.button();
    if (!button || button.disabled || button.hidden) {
      ctx.announce(t(shortcut.unavailable));
      return;
    }
    shortcut.run(button, event);
  });

  describe();
  onLanguageChange(describe);
  new MutationObserver(describe).observe(ui.shareControls, { childList: true, subtree: true });
  return {};
}
