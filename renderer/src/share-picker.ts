/**
 * The desktop app's own screen picker: a modal dialog listing screens and windows with their
 * thumbnails (main's desktopCapturer, through the bridge), one radio group across both, a "Share
 * system audio" box where the OS allows it, Share and Cancel. A modal <dialog> keeps focus inside
 * and closes on Escape; arrow keys move between the sources, Enter shares.
 */
import type { DisplaySource } from '../../common/bridge-api.js';
import { element } from './dom.js';
import { onLanguageChange, t, type StringKey } from './i18n.js';

/** What the user chose. */
export interface SharePick {
  id: string;
  /** Share the system's sound too (offered only where main says the OS allows it). */
  audio: boolean;
}

export interface SharePicker {
  /**
   * Opens the picker at once and fills it when `sources` arrive; resolves with the pick, or
   * `null` when the user cancelled. Rejects, closed, when the sources cannot be listed.
   */
  choose(sources: Promise<DisplaySource[]>): Promise<SharePick | null>;
  /** Closes the picker as cancelled (the call ended meanwhile). */
  cancel(): void;
}

const KINDS = ['screen', 'window'] as const;
const GROUP_WORDS: Record<DisplaySource['kind'], StringKey> = {
  screen: 'share.screens',
  window: 'share.windows',
};

/** Builds the picker's dialog inside `container` (index.html's #share-picker). */
export function sharePicker(container: HTMLElement): SharePicker {
  const dialog = element('dialog', 'share-picker');
  dialog.setAttribute('aria-labelledby', 'share-picker-title');
  dialog.setAttribute('aria-describedby', 'share-picker-hint');
  const form = element('form');
  const title = element('h2');
  title.id = 'share-picker-title';
  const hint = element('p', 'hint');
  hint.id = 'share-picker-hint';
  const status = element('p', 'share-picker-status');
  status.setAttribute('role', 'status');
  const groups = new Map(
    KINDS.map((kind) => {
      const fieldset = element('fieldset', 'share-picker-group');
      const legend = element('legend');
      const options = element('div', 'share-picker-options');
      fieldset.append(legend, options);
      return [kind, { fieldset, legend, options }] as const;
    }),
  );
  const audioLabel = element('label', 'share-picker-audio');
  const audioBox = element('input');
  audioBox.type = 'checkbox';
  const audioWords = element('span');
  audioLabel.append(audioBox, audioWords);
  const actions = element('div', 'share-picker-actions');
  const cancelButton = element('button');
  cancelButton.type = 'button';
  const shareButton = element('button', 'primary');
  shareButton.type = 'submit';
  actions.append(cancelButton, shareButton);
  form.append(
    title,
    hint,
    status,
    ...[...groups.values()].map((group) => group.fieldset),
    audioLabel,
    actions,
  );
  dialog.append(form);
  container.append(dialog);

  let listed: DisplaySource[] = [];
  /** What the status line says, or nothing once the sources show. */
  let statusKey: StringKey | null = null;
  let settle: ((pick: SharePick | null) => void) | null = null;

  function radios(): HTMLInputElement[] {
    return [...form.querySelectorAll<HTMLInputElement>('input[type="radio"]')];
  }

  function checked(): DisplaySource | undefined {
    const id = radios().find((radio) => radio.checked)?.value;
    return listed.find((source) => source.id === id);
  }

  function renderTexts(): void {
    title.textContent = t('share.pickerTitle');
    hint.textContent = t('share.pickerHint');
    status.textContent = statusKey ? t(statusKey) : '';
    status.hidden = statusKey === null;
    for (const [kind, group] of groups) group.legend.textContent = t(GROUP_WORDS[kind]);
    audioWords.textContent = t('share.systemAudio');
    cancelButton.textContent = t('share.cancel');
    shareButton.textContent = t('share.share');
  }

  /** The audio box where some source allows it, usable for the chosen one; Share once chosen. */
  function renderChoice(): void {
    const choice = checked();
    audioLabel.hidden = !listed.some((source) => source.systemAudio);
    audioBox.disabled = !choice?.systemAudio;
    shareButton.disabled = choice === undefined;
  }

  function option(source: DisplaySource, index: number): HTMLLabelElement {
    const label = element('label', 'share-source');
    const radio = element('input');
    radio.type = 'radio';
    radio.name = 'appel-share-source';
    radio.value = source.id;
    radio.checked = index === 0;
    radio.addEventListener('change', renderChoice);
    const picture = source.thumbnail ? element('img') : element('span');
    picture.className = 'share-source-thumbnail';
    if (picture instanceof HTMLImageElement) {
      picture.src = source.thumbnail;
      // The name beside it says what it shows.
      picture.alt = '';
    }
    const name = element('span', 'share-source-name');
    name.textContent = source.name;
    label.append(radio, picture, name);
    // A double click is a choice and a confirmation at once.
    label.addEventListener('dblclick', () => form.requestSubmit());
    return label;
  }

  function show(sources: DisplaySource[]): void {
    listed = sources;
    for (const [kind, group] of groups) {
      const ofKind = sources.filter((source) => source.kind === kind);
      group.options.replaceChildren(
        ...ofKind.map((source) => option(source, sources.indexOf(source))),
      );
      group.fieldset.hidden = ofKind.length === 0;
    }
    statusKey = sources.length === 0 ? 'share.none' : null;
    renderTexts();
    renderChoice();
    (radios().find((radio) => radio.checked) ?? cancelButton).focus();
  }

  function close(pick: SharePick | null): void {
    const done = settle;
    settle = null;
    if (dialog.open) dialog.close();
    done?.(pick);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const choice = checked();
    if (!choice) return;
    close({ id: choice.id, audio: choice.systemAudio && audioBox.checked });
  });
  cancelButton.addEventListener('click', () => close(null));
  // Escape, or the dialog closed any other way.
  dialog.addEventListener('close', () => close(null));
  onLanguageChange(renderTexts);

  return {
    choose(sources) {
      close(null);
      listed = [];
      audioBox.checked = false;
      for (const group of groups.values()) {
        group.options.replaceChildren();
        group.fieldset.hidden = true;
      }
      statusKey = 'share.loading';
      renderTexts();
      renderChoice();
      dialog.showModal();
      return new Promise<SharePick | null>((resolve, reject) => {
        settle = resolve;
        sources.then(
          (found) => {
            if (settle === resolve) show(found);
          },
          (error: unknown) => {
            if (settle !== resolve) return;
            settle = null;
            dialog.close();
            reject(error instanceof Error ? error : new Error(String(error)));
          },
        );
      });
    },
    cancel: () => close(null),
  };
}
