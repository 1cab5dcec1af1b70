/** Where the app's files are, and the URL of the one page the window shows. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_PAGE_URL } from './app-protocol.js';

export interface AppPaths {
  /** The preload bundle (dist-electron/preload.cjs). */
  preload: string;
  /** The built call page's folder (dist/renderer). */
  rendererDir: string;
  /**
   * The same folder as plain `fs` reads it: the embedded server serves it to browser guests and
   * the `app:` protocol to the window. In the packaged app it is unpacked beside app.asar
   * (electron-builder.yml `asarUnpack`), so neither depends on Electron's asar emulation.
   */
  servedDir: string;
  /**
   * What the window loads, and the only page that gets IPC, media permissions and navigation:
   * `app://appel/index.html`, or Vite's dev server in an unpackaged app.
   */
  appUrl: string;
}

/**
 * `VITE_DEV_SERVER_URL` (set by `npm run dev`), honoured only in an unpackaged app: an installed
 * Appel never loads its window from a URL the environment names.
 */
export function readDevServerUrl(env: NodeJS.ProcessEnv, packaged: boolean): string | undefined {
  const url = env.VITE_DEV_SERVER_URL;
  if (packaged || !url) return undefined;
  if (!/^https?:\/\//.test(url)) throw new Error(`VITE_DEV_SERVER_URL must be http(s): ${url}`);
  return url;
}

/**
 * Paths relative to the bundled main (dist-electron/main.js), so they hold in the repository and
 * inside the packaged app's asar alike.
 */
export function appPaths(mainModuleUrl: string, devServerUrl?: string): AppPaths {
  const root = fileURLToPath(new URL('../', mainModuleUrl));
  const rendererDir = join(root, 'dist', 'renderer');
  return {
    preload: join(root, 'dist-electron', 'preload.cjs'),
    rendererDir,
    servedDir: rendererDir.replace(/\.asar(?=[\\/])/, '.asar.unpacked'),
    appUrl: devServerUrl ?? APP_PAGE_URL,
  };
}
