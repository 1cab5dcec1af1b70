/**
 * Electron's `desktopCapturer` cannot run here (no Electron binary): this stand-in lists the
 * screens and windows a desktop would, with generated thumbnails, for main's real
 * DisplayCapture behind the page's real picker. The page's `getDisplayMedia` itself is
 * Chromium's (its fake screen, `--use-fake-ui-for-media-stream`).
 */
import type { CapturerLike } from '../../../main/display-capture.js';

/** A 1×1 PNG, enough to be an image. */
const PIXEL =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkaPhfDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

export const TEST_SOURCES = [
  { id: 'screen:0:0', name: 'Entire screen' },
  { id: 'window:42:0', name: 'Notes — Text Editor' },
] as const;

export const testCapturer: CapturerLike = {
  getSources: () =>
    Promise.resolve(
      TEST_SOURCES.map((source) => ({ ...source, thumbnail: { toDataURL: () => PIXEL } })),
    ),
};
