/**
 * Camera and microphone capture with fallbacks: a call works with audio and video, audio only,
 * video only, or nothing at all (receive only). The devices the user chose are preferred; when
 * one is gone, the default opens and the notice says so.
 */
import {
  CAPTURE_KINDS,
  TRACK_KIND,
  isGone,
  missedChoice,
  type CaptureKind,
  type DeviceChoice,
  type ListedDevice,
} from './device-choice.js';
import { chosenDevice } from './device-memory.js';
import { BOTH_WORDS, KIND_WORDS, type ReasonWords } from './device-words.js';
import { t } from './i18n.js';

/** What capture gave, and what to tell the user about it. */
export interface LocalMedia {
  /** `null` when neither a camera nor a microphone could be used. */
  stream: MediaStream | null;
  /** A sentence for the user when something is missing; empty when both devices work. */
  notice: string;
}

type Attempt = { audio: boolean; video: boolean };

/** Tried in order; the first that succeeds wins. */
const ATTEMPTS: readonly Attempt[] = [
  { audio: true, video: true },
  { audio: true, video: false },
  { audio: false, video: true },
];

function errorName(error: unknown): string {
  return error instanceof DOMException || error instanceof Error ? error.name : '';
}

/** Why a device cannot be used, in the words of `words` ("no camera was found"). */
export function mediaErrorWords(error: unknown, words: ReasonWords): string {
  switch (errorName(error)) {
    case 'NotAllowedError':
    case 'SecurityError':
      return t(words.denied);
    case 'NotFoundError':
    case 'OverconstrainedError':
      return t(words.notFound);
    case 'NotReadableError':
    case 'AbortError':
      return t(words.busy);
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** Whether opening failed because the device is held (some systems open one camera at a time). */
export function deviceBusy(error: unknown): boolean {
  return errorName(error) === 'NotReadableError';
}

type Devices = Pick<MediaDevices, 'getUserMedia' | 'enumerateDevices'>;
type Chosen = (kind: CaptureKind) => DeviceChoice | null;
type Wished = Record<'audio' | 'video', MediaTrackConstraints | true>;

/** What the browser lists now; nothing when it cannot say. */
async function listed(devices: Devices): Promise<MediaDeviceInfo[]> {
  try {
    return await devices.enumerateDevices();
  } catch (error) {
    console.warn('appel:media enumerateDevices failed', error);
    return [];
  }
}

/** The chosen device of `kind`, unless the list shows it is gone; else the default (`true`). */
function wish(
  kind: CaptureKind,
  chosen: Chosen,
  list: readonly ListedDevice[],
): MediaTrackConstraints | true {
  const choice = chosen(kind);
  if (!choice || isGone(list, kind, choice.deviceId)) return true;
  return { deviceId: { exact: choice.deviceId } };
}

/**
 * Opens what `attempt` asks for, on the wished devices. A chosen device that the list could not
 * vouch for (no permission yet) may be gone: then the defaults open. (`ideal` would say it in
 * one request, but Chromium does not honour an ideal deviceId.)
 */
async function capture(devices: Devices, attempt: Attempt, wished: Wished): Promise<MediaStream> {
  const ask = (kinds: Wished) =>
    devices.getUserMedia({
      audio: attempt.audio && kinds.audio,
      video: attempt.video && kinds.video,
    });
  try {
    return await ask(wished);
  } catch (error) {
    const exact = wished.audio !== true || wished.video !== true;
    if (!exact || errorName(error) !== 'OverconstrainedError') throw error;
    return await ask({ audio: true, video: true });
  }
}

/** A notice for each chosen device the stream did not get because it is gone. */
async function missedNotices(
  devices: Devices,
  stream: MediaStream,
  chosen: Chosen,
): Promise<string[]> {
  // Access is granted now: the list names every device.
  const list = await listed(devices);
  return CAPTURE_KINDS.flatMap((kind) => {
    const track = stream.getTracks().find((each) => each.kind === TRACK_KIND[kind]);
    const missed = missedChoice(chosen(kind), track?.getSettings().deviceId);
    if (!missed || list.some((device) => device.deviceId === missed.deviceId)) return [];
    return [t(KIND_WORDS[kind].gone, { device: missed.label || t(KIND_WORDS[kind].label) })];
  });
}

/**
 * Opens the camera and microphone, the chosen ones or else the defaults, falling back step by
 * step; never rejects.
 */
export async function openLocalMedia(
  devices: Devices | undefined = navigator.mediaDevices,
  chosen: Chosen = chosenDevice,
): Promise<LocalMedia> {
  if (!devices?.getUserMedia) return { stream: null, notice: t('devices.noMediaApi') };
  const list = await listed(devices);
  const wished = {
    audio: wish('audioinput', chosen, list),
    video: wish('videoinput', chosen, list),
  };
  let firstError: unknown = null;
  for (const attempt of ATTEMPTS) {
    try {
      const stream = await capture(devices, attempt, wished);
      const notices = await missedNotices(devices, stream, chosen);
      if (firstError !== null) {
        const missing = attempt.video ? 'audioinput' : 'videoinput';
        const reason = mediaErrorWords(firstError, KIND_WORDS[missing]);
        const without = attempt.video ? 'devices.withoutMicrophone' : 'devices.withoutCamera';
        notices.unshift(t(without, { reason }));
      }
      return { stream, notice: notices.join(' ') };
    } catch (error) {
      firstError ??= error;
      console.warn('appel:media getUserMedia failed', attempt, error);
    }
  }
  const reason = mediaErrorWords(firstError, BOTH_WORDS);
  return { stream: null, notice: t('devices.noMedia', { reason }) };
}

/** Called when the held stream's track of a kind changed (a device switch), to send the new one. */
export type TrackChangeListener = (
  kind: MediaStreamTrack['kind'],
  track: MediaStreamTrack | null,
) => void;

/**
 * The camera and microphone of the current call: opened on first need, closed (every capture
 * track stopped, so the camera light goes off) when no call needs them.
 */
export class MediaHolder {
  #opening: Promise<LocalMedia> | null = null;
  /** What was opened, once it arrived; `null` while closed or opening. */
  #media: LocalMedia | null = null;
  readonly #trackListeners = new Set<TrackChangeListener>();

  constructor(
    private readonly onChange: (media: LocalMedia | null) => void,
    private readonly open: () => Promise<LocalMedia> = openLocalMedia,
  ) {}

  /** The stream to send, opening the devices if they are closed. */
  async acquire(): Promise<MediaStream | null> {
    const opening = (this.#opening ??= this.open().then((media) => {
      // Released while the devices were opening: close what arrived late.
      if (this.#opening !== opening) media.stream?.getTracks().forEach((track) => track.stop());
      else {
        this.#media = media;
        this.onChange(media);
      }
      return media;
    }));
    return (await opening).stream;
  }

  /** What is open now, or `null`. */
  get current(): LocalMedia | null {
    return this.#media;
  }

  /** The open track of a kind (the camera, the microphone), or `null`. */
  track(kind: MediaStreamTrack['kind']): MediaStreamTrack | null {
    return this.#media?.stream?.getTracks().find((track) => track.kind === kind) ?? null;
  }

  /** Listens for {@link replaceTrack}; returns an unsubscribe. */
  onTrackChange(listener: TrackChangeListener): () => void {
    this.#trackListeners.add(listener);
    return () => this.#trackListeners.delete(listener);
  }

  /**
   * Puts `track` in the held stream in place of the one of its kind, stopping the old one; the
   * page (onChange) and the call (onTrackChange) then use it. Does nothing while closed: the
   * next open uses the chosen device anyway.
   */
  replaceTrack(kind: MediaStreamTrack['kind'], track: MediaStreamTrack | null): void {
    const media = this.#media;
    if (!media) {
      track?.stop();
      return;
    }
    const stream = media.stream ?? new MediaStream();
    for (const old of stream.getTracks()) {
      if (old.kind !== kind || old === track) continue;
      stream.removeTrack(old);
      old.stop();
    }
    if (track && !stream.getTracks().includes(track)) stream.addTrack(track);
    this.#media = { ...media, stream: stream.getTracks().length > 0 ? stream : null };
    this.onChange(this.#media);
    for (const listener of this.#trackListeners) listener(kind, track);
  }

  /** Stops every capture track. */
  release(): void {
    const opening = this.#opening;
    if (!opening) return;
    this.#opening = null;
    this.#media = null;
    void opening.then((media) => media.stream?.getTracks().forEach((track) => track.stop()));
    this.onChange(null);
  }
}
