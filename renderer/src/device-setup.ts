/**
 * The "Check camera and microphone" panel of the setup screen: a toggle that opens the preview
 * (video, microphone level) with the device lists, and a status line for what went wrong.
 */
import type { DeviceChoice, DeviceKind } from './device-choice.js';
import { LevelMeter } from './device-meter.js';
import { DevicePreview } from './device-preview.js';
import { DeviceSelects } from './device-selects.js';
import { t } from './i18n.js';

export class DeviceSetupPanel {
  readonly selects: DeviceSelects;
  readonly preview: DevicePreview;
  readonly #toggle = document.createElement('button');
  readonly #panel = document.createElement('div');
  readonly #video = document.createElement('video');
  readonly #levelLabel = document.createElement('label');
  readonly #hint = document.createElement('p');
  readonly #status = document.createElement('p');
  /** Re-renders the status in the current language. */
  #statusText: () => string = () => '';

  /** `onOpened` runs once the preview shows (the browser now names the devices). */
  constructor(
    container: HTMLElement,
    onChoose: (kind: DeviceKind, choice: DeviceChoice) => void,
    private readonly onOpened: () => void,
  ) {
    this.#toggle.type = 'button';
    this.#toggle.setAttribute('aria-pressed', 'false');
    this.#panel.id = 'device-preview';
    this.#panel.className = 'device-preview';
    this.#panel.hidden = true;
    this.#toggle.setAttribute('aria-controls', this.#panel.id);

    this.#video.className = 'device-preview-video';
    this.#video.muted = true;
    this.#video.autoplay = true;
    this.#video.playsInline = true;
    const meter = document.createElement('meter');
    meter.id = 'device-level';
    this.#levelLabel.htmlFor = meter.id;
    const level = document.createElement('div');
    level.className = 'device-level';
    level.append(this.#levelLabel, meter);
    this.preview = new DevicePreview(this.#video, new LevelMeter(meter));
    this.selects = new DeviceSelects('device-setup', onChoose, 'device-lists');
    this.#hint.className = 'hint';
    this.#status.className = 'device-status';
    this.#status.setAttribute('role', 'status');
    this.#panel.append(this.#video, level, this.selects.element, this.#hint, this.#status);
    container.append(this.#toggle, this.#panel);

    this.#toggle.addEventListener('click', () => {
      if (!this.#panel.hidden) this.close();
      else void this.#open();
    });
    this.relabel();
  }

  /** Shows a status (a notice, an error), re-rendered on each language change. */
  setStatus(text: () => string): void {
    this.#statusText = text;
    this.#status.textContent = text();
  }

  /** Closes the preview and its devices. */
  close(): void {
    this.preview.close();
    this.#panel.hidden = true;
    this.#toggle.setAttribute('aria-pressed', 'false');
    this.setStatus(() => '');
  }

  /** Puts the fixed texts in the page's language. */
  relabel(): void {
    this.#toggle.textContent = t('devices.check');
    this.#video.setAttribute('aria-label', t('devices.preview'));
    this.#levelLabel.textContent = t('devices.level');
    this.#hint.textContent = t('devices.previewHint');
    this.#status.textContent = this.#statusText();
  }

  async #open(): Promise<void> {
    this.#panel.hidden = false;
    this.#toggle.setAttribute('aria-pressed', 'true');
    // openLocalMedia never rejects: what failed is in the notice.
    const notice = await this.preview.open();
    this.setStatus(() => notice);
    if (this.preview.isOpen) this.onOpened();
  }
}
