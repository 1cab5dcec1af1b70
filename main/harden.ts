/**
 * Security for every webContents and the default session, in one place: no navigation away from
 * the app's page, no new windows (web links open in the system browser), no <webview>, media and
 * clipboard-write permissions for the app's page only, and screen capture only of what the user
 * picked in the app's own picker.
 */
import { shell, type Session, type WebContents } from 'electron';
import type { Logger } from '../signaling-server/log.js';
import { isAppPage, isSafeExternalUrl } from './navigation.js';
import type { DisplayCapture } from './display-capture.js';
import { isPermissionGranted } from './permissions.js';

function openExternally(url: string, log: Logger): void {
  if (!isSafeExternalUrl(url)) {
    log.warn('refused to open a non-web link', { url });
    return;
  }
  shell.openExternal(url).catch((error: unknown) => {
    log.error('cannot open a link in the browser', { url, error: String(error) });
  });
}

/** Signal's `handleCommonWindowEvents`: applied to every webContents the app creates. */
export function hardenWebContents(contents: WebContents, appUrl: string, log: Logger): void {
  contents.on('will-navigate', (event) => {
    if (isAppPage(event.url, appUrl)) return;
    event.preventDefault();
    log.warn('blocked a navigation', { url: event.url });
    openExternally(event.url, log);
  });
  contents.on('will-redirect', (event) => {
    if (isAppPage(event.url, appUrl)) return;
    event.preventDefault();
    log.warn('blocked a redirect', { url: event.url });
  });
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url, log);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log.warn('blocked a <webview>');
  });
}

/**
 * Deny by default: camera, microphone and clipboard writes only for the app's own page. Electron
 * grants every permission when no handler is set, so both the request and the check handler are
 * set. Screen capture goes to the app's page only, and only the source the user picked in its
 * picker (`display`); Electron's own picker stays off so that nothing bypasses that choice.
 */
export function setupPermissions(
  session: Session,
  appUrl: string,
  log: Logger,
  display: DisplayCapture,
): void {
  const context = () => ({ screenPicked: display.picked });
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const granted = isPermissionGranted(permission, details, appUrl, context());
    if (!granted) log.warn('denied a permission', { permission, url: details.requestingUrl });
    callback(granted);
  });
  session.setPermissionCheckHandler((_contents, permission, _origin, details) =>
    isPermissionGranted(permission, details, appUrl, context()),
  );
  session.setDisplayMediaRequestHandler(
    (request, callback) => {
      const frame = request.frame && !request.frame.isDestroyed() ? request.frame : null;
      const decision = display.decide(
        {
          frameUrl: frame?.url,
          topFrame: frame?.parent === null,
          videoRequested: request.videoRequested,
          audioRequested: request.audioRequested,
        },
        appUrl,
      );
      if ('refused' in decision) {
        log.warn('denied a screen capture', {
          reason: decision.refused,
          origin: request.securityOrigin,
        });
        callback(null);
        return;
      }
      log.info('sharing the picked screen or window', {
        source: decision.granted.video.id,
        systemAudio: decision.granted.audio !== undefined,
      });
      callback(decision.granted);
    },
    { useSystemPicker: false },
  );
}
