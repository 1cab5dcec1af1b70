/**
 * The Electron main process: lifecycle and wiring only. Logic lives in plain modules (session,
 * ipc, permissions, app protocol, settings) that tests import without Electron.
 */
import {
  app,
  BrowserWindow,
  desktopCapturer,
  ipcMain,
  powerMonitor,
  protocol,
  session,
  shell,
  type IpcMainInvokeEvent,
} from 'electron';
import { createLogger } from '../signaling-server/log.js';
import { appPaths, readDevServerUrl, type AppPaths } from './app-page.js';
import { APP_SCHEME, APP_SCHEME_DEFINITION, createAppProtocolHandler } from './app-protocol.js';
import { desktopServices } from './desktop-services.js';
import { DisplayCapture } from './display-capture.js';
import { Downloads } from './downloads.js';
import { hardenWebContents, setupPermissions } from './harden.js';
import { forwardEvents, registerIpcHandlers } from './ipc.js';
import { isAppPage } from './navigation.js';
import { NetworkWatch } from './network-watch.js';
import { SessionController } from './session.js';
import { bringBack } from './single-instance.js';
import { FAKE_MEDIA_SWITCHES, readTestHooks } from './test-hooks.js';
import { createMainWindow } from './window.js';

const log = createLogger('appel:main');
// Dev and test switches from the environment count only in an unpackaged app.
const hooks = readTestHooks(process.env, app.isPackaged);
const paths = appPaths(import.meta.url, readDevServerUrl(process.env, app.isPackaged));
let mainWindow: BrowserWindow | null = null;
const display = new DisplayCapture(desktopCapturer);
const downloads = new Downloads(() => app.getPath('downloads'));

/** Before `ready`: userData and Chromium switches are fixed at startup, and the lock reads userData. */
function setupTestHooks(): void {
  if (hooks.userDataDir) app.setPath('userData', hooks.userDataDir);
  if (hooks.fakeMedia) {
    for (const name of FAKE_MEDIA_SWITCHES) app.commandLine.appendSwitch(name);
  }
}

/** Before `ready`: Chromium fixes each scheme's privileges when it starts. */
function setupAppScheme(): void {
  protocol.registerSchemesAsPrivileged([APP_SCHEME_DEFINITION]);
}

/** False when another Appel holds this userData: it shows its window and this one quits. */
function setupSingleInstance(): boolean {
  if (!app.requestSingleInstanceLock()) {
    log.info('Appel is already running; showing its window instead');
    app.quit();
    return false;
  }
  // Emitted after `ready` only, so a window can be opened here.
  app.on('second-instance', () => {
    log.info('Appel was started again; showing its window');
    if (!bringBack(mainWindow)) openMainWindow();
  });
  return true;
}

/**
 * The window's page comes from `app://appel/`, read from inside app.asar (Electron's fs reads
 * it), so the asar integrity fuse covers what the window runs; browser guests get the unpacked
 * copy.
 */
function setupAppProtocol(files: AppPaths): void {
  const handler = createAppProtocolHandler({
    root: files.rendererDir,
    log: createLogger('appel:protocol'),
  });
  // The window uses the default session; no other session serves `app:`.
  session.defaultSession.protocol.handle(APP_SCHEME, handler);
}

function setupHardening(appUrl: string): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, appUrl, log));
  setupPermissions(session.defaultSession, appUrl, log, display);
}

/** The fiddle guard: only the main window's top frame, showing the app's page, may call main. */
function isTrustedSender(event: IpcMainInvokeEvent, appUrl: string): boolean {
  const frame = event.senderFrame;
  return (
    mainWindow !== null &&
    BrowserWindow.fromWebContents(event.sender) === mainWindow &&
    frame !== null &&
    frame.parent === null &&
    isAppPage(frame.url, appUrl)
  );
}

function setupSession(files: AppPaths): SessionController {
  const controller = new SessionController({
    userDataDir: app.getPath('userData'),
    staticDir: files.servedDir,
    ...(hooks.bindHost ? { bindHost: hooks.bindHost } : {}),
  });
  const services = desktopServices({
    display,
    downloads,
    openInBrowser: (url) => shell.openExternal(url),
  });
  registerIpcHandlers(
    ipcMain,
    controller,
    (event) => isTrustedSender(event, files.appUrl),
    services,
  );
  app.on('will-quit', () => void downloads.abandonAll());
  forwardEvents(controller, (channel, payload) => {
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(channel, payload);
  });
  return controller;
}

/** Network changes reach the page, which restarts ICE at once; a resume is checked at once too. */
function setupNetworkWatch(controller: SessionController): void {
  const watch = new NetworkWatch({}, (change) => {
    log.info('the network changed', {
      added: change.added.join(' '),
      removed: change.removed.join(' '),
    });
    controller.networkChanged(change);
  });
  watch.start();
  powerMonitor.on('resume', () => watch.check());
  app.on('will-quit', () => watch.stop());
}

function openMainWindow(): void {
  const window = createMainWindow(paths, log);
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null;
  });
  mainWindow = window;
}

function setupLifecycle(controller: SessionController): void {
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openMainWindow();
  });
  let stopped = false;
  app.on('before-quit', (event) => {
    if (stopped) return;
    // Stop the embedded server and say goodbye to peers before exiting.
    event.preventDefault();
    controller
      .leave()
      .catch((error: unknown) => log.error('leaving on quit failed', { error: String(error) }))
      .finally(() => {
        stopped = true;
        app.quit();
      });
  });
}

function onReady(): void {
  setupAppProtocol(paths);
  setupHardening(paths.appUrl);
  const controller = setupSession(paths);
  setupNetworkWatch(controller);
  setupLifecycle(controller);
  openMainWindow();
}

// Sandbox every renderer, including any the app did not create itself.
app.enableSandbox();
setupTestHooks();
setupAppScheme();
if (setupSingleInstance()) {
  app
    .whenReady()
    .then(onReady)
    .catch((error: unknown) => {
      log.error('startup failed', {
        error: error instanceof Error ? error.message : String(error),
      });
      app.exit(1);
    });
}
