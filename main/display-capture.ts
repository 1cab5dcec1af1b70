/**
 * Screen sharing in the desktop app: the page's own picker lists screens and windows
 * (`desktopCapturer`), the user picks one, and only then does the display media request handler
 * grant the page's `getDisplayMedia` that one source, once, within {@link PICK_LIFETIME_MS}.
 * Everything else is refused: a request without a pick, a second request for one pick, a request
 * from another page or from a frame inside the app's page.
 *
 * Plain module: main/harden.ts wires it to Electron's session handlers, tests drive it in Node.
 */
import type { DisplaySource } from '../common/bridge-api.js';
import { CodedError } from '../common/errors.js';
import { isAppPage } from './navigation.js';

/** What this module reads of Electron's `DesktopCapturerSource`. */
export interface CapturedSource {
  id: string;
  name: string;
  thumbnail: { toDataURL(): string };
}

/** The part of Electron's `desktopCapturer` used here, so tests can pass a stand-in. */
export interface CapturerLike {
  getSources(options: {
    types: ('screen' | 'window')[];
    thumbnailSize: { width: number; height: number };
    fetchWindowIcons?: boolean;
  }): Promise<CapturedSource[]>;
}

/** What the display media request handler knows of a request (Electron's `request`). */
export interface DisplayRequest {
  /** The URL of the requesting frame; `undefined` when the frame is gone. */
  frameUrl: string | undefined;
  /** Whether that frame is its window's top frame (an `<iframe>` is never granted). */
  topFrame: boolean;
  videoRequested: boolean;
  audioRequested: boolean;
}

/** Why a request got nothing, for the log. */
export type DisplayRefusal = 'not-the-app-page' | 'no-video' | 'no-pick' | 'pick-expired';

/**
 * The handler's answer: the streams for Electron's callback (the chosen source object exactly as
 * `getSources` gave it, and `loopback` for the system's sound), or why there are none.
 */
export type DisplayDecision =
  { granted: { video: CapturedSource; audio?: 'loopback' } } | { refused: DisplayRefusal };

export interface DisplayCaptureOptions {
  /**
   * The OS, which decides whether system audio can be shared.
   * @default process.platform
   */
  platform?: NodeJS.Platform;
  /**
   * A pick not used by a `getDisplayMedia` within this long is dropped.
   * @default PICK_LIFETIME_MS
   */
  pickLifetimeMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** The page calls `getDisplayMedia` right after its pick; a pick left unused must not linger. */
export const PICK_LIFETIME_MS = 10_000;

/** Thumbnails at 16:9, twice the size the picker shows them, for sharp HiDPI previews. */
const THUMBNAIL_SIZE = { width: 320, height: 180 };

/**
 * Whether the system's sound can go with a shared screen. Windows only: Electron documents
 * `loopback` for Windows alone; on macOS it needs ScreenCaptureKit or Core Audio taps behind
 * Chromium flags, an `NSAudioCaptureUsageDescription` entry and recent macOS (electron#47493,
 * and with an app's own picker it is reported not to capture, electron#52738); Linux has none.
 */
export function systemAudioAllowed(platform: NodeJS.Platform): boolean {
  return platform === 'win32';
}

/** An empty NativeImage gives a data URL without data. */
function thumbnailOf(source: CapturedSource): string {
  const url = source.thumbnail.toDataURL();
  return /^data:image\/[a-z]+;base64,./.test(url) ? url : '';
}

interface Pick {
  source: CapturedSource;
  audio: boolean;
  expiresAt: number;
}

export class DisplayCapture {
  /** The last listing's sources by id: only these can be picked, and granted as given. */
  private listed = new Map<string, CapturedSource>();
  private pick: Pick | null = null;
  private readonly platform: NodeJS.Platform;
  private readonly pickLifetimeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly capturer: CapturerLike,
    options: DisplayCaptureOptions = {},
  ) {
    this.platform = options.platform ?? process.platform;
    this.pickLifetimeMs = options.pickLifetimeMs ?? PICK_LIFETIME_MS;
    this.now = options.now ?? Date.now;
  }

  /** Screens, then windows, with thumbnails; a new listing replaces what can be picked. */
  async listDisplaySources(): Promise<DisplaySource[]> {
    const sources = await this.capturer.getSources({
      types: ['screen', 'window'],
      thumbnailSize: THUMBNAIL_SIZE,
      fetchWindowIcons: false,
    });
    this.listed = new Map(sources.map((source) => [source.id, source]));
    const systemAudio = systemAudioAllowed(this.platform);
    return sources
      .map((source): DisplaySource => {
        const kind = source.id.startsWith('screen:') ? 'screen' : 'window';
        return {
          id: source.id,
          name: source.name,
          kind,
          thumbnail: thumbnailOf(source),
          systemAudio,
        };
      })
      .sort((a, b) => Number(a.kind === 'window') - Number(b.kind === 'window'));
  }

  /**
   * The user picked a source of the last listing: the page's next `getDisplayMedia` gets it, with
   * the system's sound when `audio` asks and the OS allows. Replaces an unused earlier pick.
   */
  chooseDisplaySource(id: string, audio: boolean): Promise<void> {
    const source = this.listed.get(id);
    if (!source) {
      return Promise.reject(
        new CodedError('invalid-payload', `No screen or window ${id} was listed to share.`),
      );
    }
    this.pick = {
      source,
      audio: audio && systemAudioAllowed(this.platform),
      expiresAt: this.now() + this.pickLifetimeMs,
    };
    return Promise.resolve();
  }

  /** Whether a pick waits for its `getDisplayMedia` (the permission handlers ask, not use it). */
  get picked(): boolean {
    return this.pick !== null && this.now() <= this.pick.expiresAt;
  }

  /**
   * The display media request handler's decision: the picked source, once, for the app's own
   * page (`appUrl`) only. A refused stranger does not use up the user's pick.
   */
  decide(request: DisplayRequest, appUrl: string): DisplayDecision {
    if (!request.topFrame || !isAppPage(request.frameUrl, appUrl)) {
      return { refused: 'not-the-app-page' };
    }
    if (!request.videoRequested) return { refused: 'no-video' };
    const pick = this.pick;
    this.pick = null;
    if (!pick) return { refused: 'no-pick' };
    if (this.now() > pick.expiresAt) return { refused: 'pick-expired' };
    return {
      granted: {
        video: pick.source,
        ...(pick.audio && request.audioRequested ? { audio: 'loopback' as const } : {}),
      },
    };
  }
}
