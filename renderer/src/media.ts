/**
 * Camera and microphone capture with fallbacks: a call works with audio and video, audio only,
 * video only, or nothing at all (receive only).
 */

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

/** Why `device` ("camera", "microphone"…) cannot be used, in words. */
function explain(error: unknown, device: string): string {
  switch (errorName(error)) {
    case 'NotAllowedError':
    case 'SecurityError':
      return `permission to use the ${device} was denied`;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return `no ${device} was found`;
    case 'NotReadableError':
    case 'AbortError':
      return `the ${device} is in use by another program`;
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** Opens the camera and microphone, falling back step by step; never rejects. */
export async function openLocalMedia(
  devices: Pick<MediaDevices, 'getUserMedia'> | undefined = navigator.mediaDevices,
): Promise<LocalMedia> {
  if (!devices?.getUserMedia) {
    return {
      stream: null,
      notice:
        'This browser cannot use a camera or microphone here (the page needs https). ' +
        'You can still receive calls.',
    };
  }
  let firstError: unknown = null;
  for (const attempt of ATTEMPTS) {
    try {
      const stream = await devices.getUserMedia(attempt);
      if (firstError === null) return { stream, notice: '' };
      const missing = attempt.video ? 'microphone' : 'camera';
      return { stream, notice: `Calling without ${missing}: ${explain(firstError, missing)}.` };
    } catch (error) {
      firstError ??= error;
      console.warn('appel:media getUserMedia failed', attempt, error);
    }
  }
  return {
    stream: null,
    notice:
      `No camera or microphone: ${explain(firstError, 'camera and microphone')}. ` +
      'You can still receive the other side’s video and audio.',
  };
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
