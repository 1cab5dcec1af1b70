/**
 * Screen sharing in the desktop app: the page's own picker lists screens and windows
 * (`desktopCapturer`), the user picks one, and only then does the display media request handler
 * grant the page's `getDisplayMedia` that one source. (Being built.)
 */
import type { DisplaySource } from '../common/bridge-api.js';
import { CodedError } from '../common/errors.js';

/** The part of Electron's `desktopCapturer` used here, so tests can pass a stand-in. */
export interface CapturerLike {
  getSources(options: {
    types: ('screen' | 'window')[];
    thumbnailSize: { width: number; height: number };
  }): Promise<{ id: string; name: string; thumbnail: { toDataURL(): string } }[]>;
}

export class DisplayCapture {
  constructor(private readonly capturer: CapturerLike) {}

  listDisplaySources(): Promise<DisplaySource[]> {
    void this.capturer;
    return Promise.reject(new CodedError('unsupported', 'Screen sharing is being built.'));
  }

  chooseDisplaySource(id: string, audio: boolean): Promise<void> {
    void id;
    void audio;
    return Promise.reject(new CodedError('unsupported', 'Screen sharing is being built.'));
  }
}
