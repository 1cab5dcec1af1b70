/**
 * The check before joining: the chosen camera in a local video and the microphone's level.
 * Nothing opens before the user asks; everything closes (the camera light goes off) when the
 * check is turned off, when the setup screen is left, or when a call takes the devices.
 */
import { TRACK_KIND, type CaptureKind } from './device-choice.js';
import type { LevelMeter } from './device-meter.js';
import { openDevice } from './device-switch.js';
import { openLocalMedia } from './media.js';

export class DevicePreview {
  #stream: MediaStream | null = null;
  /** Bumped by every open and close, so that a late capture is not shown after a close. */
  #generation = 0;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly meter: LevelMeter,
  ) {}

  get isOpen(): boolean {
    return this.#stream !== null;
  }

  /** The open track of a kind, or `null`. */
  track(kind: CaptureKind): MediaStreamTrack | null {
    return this.#stream?.getTracks().find((track) => track.kind === TRACK_KIND[kind]) ?? null;
  }

  /**
   * Opens the chosen camera and microphone as a call would (the default for one that is gone);
   * resolves with what to tell the user, empty when all went well.
   */
  async open(): Promise<string> {
    const generation = ++this.#generation;
    const { stream, notice } = await openLocalMedia();
    if (generation !== this.#generation) {
      stream?.getTracks().forEach((track) => track.stop());
      return '';
    }
    this.#stream = stream ?? new MediaStream();
    this.#show();
    return notice;
  }

  /**
   * Shows another device of `kind` (the default for `null`); the old one closes first, as
   * nobody else watches this preview.
   */
  async use(kind: CaptureKind, deviceId: string | null): Promise<void> {
    const stream = this.#stream;
    if (!stream) return;
    const generation = this.#generation;
    for (const old of stream.getTracks()) {
      if (old.kind !== TRACK_KIND[kind]) continue;
      stream.removeTrack(old);
      old.stop();
    }
    const track = await openDevice(kind, deviceId);
    if (generation !== this.#generation || this.#stream !== stream) {
      track.stop();
      return;
    }
    stream.addTrack(track);
    this.#show();
  }

  /** Stops every track of the preview. */
  close(): void {
    this.#generation += 1;
    this.#stream?.getTracks().forEach((track) => track.stop());
    this.#stream = null;
    this.video.srcObject = null;
    this.meter.close();
  }

  #show(): void {
    this.video.srcObject = this.#stream;
    this.meter.show(this.track('audioinput'));
    this.video.play().catch((error: unknown) => console.warn('appel:preview play', error));
  }
}
