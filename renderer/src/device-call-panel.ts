/**
 * The device lists beside the call (compact, in a labelled group), and a line that says when a
 * device went away and the default took over.
 */
import type { DeviceChoice, DeviceKind } from './device-choice.js';
import { DeviceSelects } from './device-selects.js';
import { t } from './i18n.js';

export class DeviceCallPanel {
  readonly selects: DeviceSelects;
  readonly #legend = document.createElement('legend');
  readonly #notice = document.createElement('p');
  /** Re-renders the notice in the current language. */
  #noticeText: () => string = () => '';

  constructor(container: HTMLElement, onChoose: (kind: DeviceKind, choice: DeviceChoice) => void) {
    this.selects = new DeviceSelects('device-call', onChoose, 'device-lists compact');
    const group = document.createElement('fieldset');
    group.className = 'device-controls';
    group.append(this.#legend, this.selects.element);
    // Screen readers hear it through the page's notice (CallContext.announce); this one stays.
    this.#notice.className = 'hint device-notice';
    container.append(group, this.#notice);
    this.relabel();
  }

  setNotice(text: () => string): void {
    this.#noticeText = text;
    this.#notice.textContent = text();
  }

  /** Puts the fixed texts in the page's language. */
  relabel(): void {
    this.#legend.textContent = t('devices.group');
    this.#notice.textContent = this.#noticeText();
  }
}
