/** Where the app's files are, and the URL of the one page the window shows. */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface AppPaths {
  /** The preload bundle (dist-electron/preload.cjs). */
  preload: string;
  /** The built call page's folder (dist/renderer). */
  rendererDir: string;
  /**
   * The same folder as the embedded server reads it for browser guests. In the packaged app it is
   * unpacked beside app.asar (electron-builder.yml `asarUnpack`), so the server's plain file reads
   * never depend on Electron's asar emulation.
   */
  servedDir: string;
  /** What the window loads: the built page, or Vite's dev server. */
  page: { file: string } | { url: string };
  /** The page's URL: the only origin that gets IPC, media permissions and navigation. */
  appUrl: string;
}

/**
 * Paths relative to the bundled main (dist-electron/main.js), so they hold in the repository and
 * inside the packaged app's asar alike.
 */
export function appPaths(mainModuleUrl: string, devServerUrl?: string): AppPaths {
  const root = fileURLToPath(new URL('../', mainModuleUrl));
  const rendererDir = join(root, 'dist', 'renderer');
  const file = join(rendererDir, 'index.html');
  return {
    preload: join(root, 'dist-electron', 'preload.cjs'),
    rendererDir,
    servedDir: rendererDir.replace(/\.asar(?=[\\/])/, '.asar.unpacked'),
    page: devServerUrl ? { url: devServerUrl } : { file },
    appUrl: devServerUrl ?? pathToFileURL(file).href,
  };
}
