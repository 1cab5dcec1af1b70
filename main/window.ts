/**
 * The one window factory. Security settings are written out even where they are Electron's
 * defaults, so a reviewer sees them and a changed default cannot loosen them. A page that fails to
 * load, or a renderer that dies, shows an error page rather than a blank window.
 */
import { BrowserWindow } from 'electron';
import type { Logger } from '../signaling-server/log.js';
import type { AppPaths } from './app-page.js';

/** Renderer crashes reloaded automatically before giving up with the error page. */
const MAX_RELOADS = 3;

function errorPageUrl(message: string): string {
  const escaped = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const html =
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'">` +
    '<title>Appel</title>' +
    `</head><body><h1>Appel cannot show its window</h1><p role="alert">${escaped}</p>` +
    '<p>Restart Appel. If this happens again, start it from a terminal to see its log.</p>' +
    '</body></html>';
  return `data:text/html;charset=utf-8,${encodeURIComponent(html)}`;
}

function showError(window: BrowserWindow, message: string, log: Logger): void {
  if (window.isDestroyed()) return;
  window.loadURL(errorPageUrl(message)).catch((error: unknown) => {
    log.error('cannot show the error page', { error: String(error) });
  });
}

export function createMainWindow(paths: AppPaths, log: Logger): BrowserWindow {
  const window = new BrowserWindow({
    title: 'Appel',
    width: 1100,
    height: 760,
    minWidth: 640,
    minHeight: 480,
    show: false,
    webPreferences: {
      preload: paths.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());

  const contents = window.webContents;
  contents.on('did-fail-load', (_event, code, description, url, isMainFrame) => {
    // -3 is ERR_ABORTED: a load replaced by another one, not a failure.
    if (!isMainFrame || code === -3 || url.startsWith('data:')) return;
    log.error('the page failed to load', { url, code, description });
    showError(window, `Its page did not load (${description}, ${code}).`, log);
  });
  let reloads = 0;
  contents.on('render-process-gone', (_event, details) => {
    log.error('the page process is gone', { reason: details.reason, exitCode: details.exitCode });
    if (details.reason === 'clean-exit') return;
    reloads += 1;
    if (reloads <= MAX_RELOADS) {
      window.loadURL(paths.appUrl).catch((error: unknown) => {
        log.error('cannot reload the page', { error: String(error) });
      });
    } else {
      showError(window, `Its page stopped (${details.reason}) ${reloads} times.`, log);
    }
  });

  window.loadURL(paths.appUrl).catch((error: unknown) => {
    // did-fail-load has shown the error page already; this only logs.
    log.error('loading the page rejected', { error: String(error) });
  });
  return window;
}
