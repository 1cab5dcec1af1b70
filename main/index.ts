/**
 * The Electron main process: lifecycle and wiring only. Logic lives in plain modules (session,
 * ipc, permissions, settings) that tests import without Electron.
 */
import { app, BrowserWindow, ipcMain, session, type IpcMainInvokeEvent } from 'electron';
import { createLogger } from '../signaling-server/log.js';
import { appPaths, type AppPaths } from './app-page.js';
import { hardenWebContents, setupPermissions } from './harden.js';
import { forwardEvents, registerIpcHandlers } from './ipc.js';
import { isAppPage } from './navigation.js';
import { SessionController } from './session.js';
import { FAKE_MEDIA_SWITCHES, readTestHooks } from './test-hooks.js';
import { createMainWindow } from './window.js';

const log = createLogger('appel:main');
const hooks = readTestHooks(process.env);
const paths = appPaths(import.meta.url, process.env.VITE_DEV_SERVER_URL);
let mainWindow: BrowserWindow | null = null;

/** Must run before `ready`: userData and Chromium switches are fixed at startup. */
function setupTestHooks(): void {
  if (hooks.userDataDir) app.setPath('userData', hooks.userDataDir);
  if (hooks.fakeMedia) {
    for (const name of FAKE_MEDIA_SWITCHES) app.commandLine.appendSwitch(name);
  }
}

function setupHardening(appUrl: string): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, appUrl, log));
  setupPermissions(session.defaultSession, appUrl, log);
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
  registerIpcHandlers(ipcMain, controller, (event) => isTrustedSender(event, files.appUrl));
  forwardEvents(controller, (channel, payload) => {
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(channel, payload);
  });
  return controller;
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
  setupHardening(paths.appUrl);
  const controller = setupSession(paths);
  setupLifecycle(controller);
  openMainWindow();
}

// Sandbox every renderer, including any the app did not create itself.
app.enableSandbox();
setupTestHooks();
app
  .whenReady()
  .then(onReady)
  .catch((error: unknown) => {
    log.error('startup failed', { error: error instanceof Error ? error.message : String(error) });
    app.exit(1);
  });
