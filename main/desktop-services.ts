/**
 * The desktop services behind the bridge's non-signaling invokes (main/ipc.ts
 * {@link DesktopServices}): the screen picker, received files, and opening links.
 */
import { CodedError } from '../common/errors.js';
import { externalLink } from '../common/links.js';
import type { DisplayCapture } from './display-capture.js';
import type { Downloads } from './downloads.js';
import type { DesktopServices } from './ipc.js';

export interface DesktopServiceParts {
  display: DisplayCapture;
  downloads: Downloads;
  /** Electron's `shell.openExternal`: hands an `http(s)` URL to the system browser. */
  openInBrowser: (url: string) => Promise<void>;
}

export function desktopServices({
  display,
  downloads,
  openInBrowser,
}: DesktopServiceParts): DesktopServices {
  return {
    listDisplaySources: () => display.listDisplaySources(),
    chooseDisplaySource: (id, audio) => display.chooseDisplaySource(id, audio),
    async openExternal(url) {
      // The page asked only after a click; still, only web links leave the app.
      const link = externalLink(url);
      if (!link) throw new CodedError('invalid-payload', `Not a web link: ${url}`);
      await openInBrowser(link.href);
    },
    saveFileStart: (file) => downloads.saveFileStart(file),
    saveFileChunk: (id, chunk) => downloads.saveFileChunk(id, chunk),
    saveFileEnd: (id, keep) => downloads.saveFileEnd(id, keep),
  };
}
