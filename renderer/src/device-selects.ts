/**
 * The three device lists (camera, microphone, speaker), each a labelled <select>. The page
 * has two sets: one in the preview before joining, one beside the call.
 */
import {
  DEVICE_KINDS,
  deviceOptions,
  selectedOption,
  type DeviceChoice,
  type DeviceKind,
  type ListedDevice,
} from './device-choice.js';
import { KIND_WORDS } from './device-words.js';
import { t } from './i18n.js';

/** What the lists show: the browser's devices, the remembered choices, what is in use. */
export interface DeviceListsState {
  devices: readonly ListedDevice[];
  chosen(kind: DeviceKind): DeviceChoice | null;
  /** The device of this kind in use here, if any. */
  inUse(kind: DeviceKind): string | null;
  /** Whether the speaker can be chosen (HTMLMediaElement.setSinkId exists). */
  speakerChoice: boolean;
}

interface Field {
  field: HTMLElement;
  label: HTMLLabelElement;
  select: HTMLSelectElement;
  /** The entries shown, as text, to leave a list alone when they did not change. */
  shown: string;
}

export class DeviceSelects {
  readonly element: HTMLElement;
  readonly #fields = new Map<DeviceKind, Field>();

  /** `idPrefix` keeps the two sets' ids apart; `onChoose` hears the user's picks. */
  constructor(
    idPrefix: string,
    onChoose: (kind: DeviceKind, choice: DeviceChoice) => void,
    className: string,
  ) {
    this.element = document.createElement('div');
    this.element.className = className;
    for (const kind of DEVICE_KINDS) {
      const field = document.createElement('div');
      field.className = 'device-field';
      const label = document.createElement('label');
      const select = document.createElement('select');
      select.id = `${idPrefix}-${kind}`;
      label.htmlFor = select.id;
      select.addEventListener('change', () => {
        const option = select.selectedOptions[0];
        if (option) onChoose(kind, { deviceId: option.value, label: option.textContent ?? '' });
      });
      field.append(label, select);
      this.element.append(field);
      this.#fields.set(kind, { field, label, select, shown: '' });
    }
  }

  /** Fills the lists anew, in the page's language. */
  render(state: DeviceListsState): void {
    for (const [kind, entry] of this.#fields) {
      const { field, label, select } = entry;
      const words = KIND_WORDS[kind];
      label.textContent = t(words.label);
      const chosen = state.chosen(kind);
      const options = deviceOptions(state.devices, kind, (n) => t(words.unnamed, { n }), chosen);
      field.hidden = kind === 'audiooutput' && (!state.speakerChoice || options.length === 0);
      select.disabled = options.length === 0;
      if (options.length === 0) options.push({ deviceId: '', label: t('devices.none') });
      // Rebuilding a list closes it under the user's eyes (or screen reader): only on change.
      const shown = JSON.stringify(options);
      if (shown !== entry.shown) {
        entry.shown = shown;
        select.replaceChildren(
          ...options.map((option) => new Option(option.label, option.deviceId)),
        );
      }
      select.value = selectedOption(options, state.inUse(kind), chosen);
    }
  }
}
