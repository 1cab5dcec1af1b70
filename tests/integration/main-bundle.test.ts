/**
 * The bundled main process (dist-electron/main.js, as `npm run build` makes it) started under
 * Node with a stand-in for the `electron` module, since the Electron binary may be absent: it must
 * load, register its `app:` scheme before `ready` and serve the page from it after, hold the
 * single-instance lock, wire its window, permissions, navigation guards and IPC in order, host a
 * real call server through the bundled Socket.IO when the window asks, and ignore dev and test
 * switches once packaged.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../common/csp.js';
import { EventChannels, InvokeChannels } from '../../common/ipc-contract.js';

const mainJs = fileURLToPath(new URL('../../dist-electron/main.js', import.meta.url));
const preloadCjs = fileURLToPath(new URL('../../dist-electron/preload.cjs', import.meta.url));

/**
 * A recording stand-in for the parts of `electron` main uses. It throws where Electron would
 * misbehave: a scheme registered after `ready`, a protocol handled before it.
 */
const FAKE_ELECTRON = `
import { EventEmitter } from 'node:events';
const env = process.env;
const state = (globalThis.__fakeElectron = {
  windows: [], handlers: new Map(), switches: [], paths: {}, sent: [], opened: [], events: [],
  sandboxed: false, permissionRequest: null, permissionCheck: null, displayMedia: null,
  ready: false, schemes: null, protocols: new Map(), quit: false,
});
class FakeApp extends EventEmitter {
  isPackaged = env.FAKE_PACKAGED === '1';
  commandLine = { appendSwitch: (name) => state.switches.push(name) };
  whenReady() {
    return new Promise((resolve) => setTimeout(() => {
      state.ready = true;
      state.events.push('ready');
      resolve();
    }, 10));
  }
  setPath(name, path) { state.paths[name] = path; }
  getPath(name) { return state.paths[name] ?? env.FAKE_DEFAULT_USER_DATA; }
  requestSingleInstanceLock() {
    state.events.push('lock ' + this.getPath('userData'));
    return env.FAKE_LOCK_HELD !== '1';
  }
  enableSandbox() { state.sandboxed = true; }
  quit() { state.quit = true; state.events.push('quit'); }
  exit(code) { state.exitCode = code; }
}
export const app = new FakeApp();
export const protocol = {
  registerSchemesAsPrivileged(schemes) {
    if (state.ready) throw new Error('registerSchemesAsPrivileged after ready');
    state.events.push('register schemes');
    state.schemes = schemes;
  },
  handle(scheme, handler) {
    if (!state.ready) throw new Error('protocol.handle before ready');
    state.events.push('handle ' + scheme);
    state.protocols.set(scheme, handler);
  },
};
class FakeWebContents extends EventEmitter {
  mainFrame = { url: '', parent: null, isDestroyed: () => false };
  send(channel, payload) { state.sent.push([channel, payload]); }
  setWindowOpenHandler(handler) { this.openHandler = handler; }
}
export class BrowserWindow extends EventEmitter {
  static getAllWindows() { return state.windows.filter((w) => !w.destroyed); }
  static fromWebContents(contents) {
    return state.windows.find((w) => w.webContents === contents) ?? null;
  }
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new FakeWebContents();
    this.minimized = false;
    this.destroyed = false;
    this.calls = [];
    state.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  async loadURL(url) { this.webContents.mainFrame.url = url; }
  isDestroyed() { return this.destroyed; }
  isMinimized() { return this.minimized; }
  restore() { this.minimized = false; this.calls.push('restore'); }
  show() { this.calls.push('show'); }
  focus() { this.calls.push('focus'); }
  close() { this.destroyed = true; this.emit('closed'); }
}
export const ipcMain = {
  handle(channel, listener) { state.handlers.set(channel, listener); },
  removeHandler(channel) { state.handlers.delete(channel); },
};
export const session = {
  defaultSession: {
    protocol,
    setPermissionRequestHandler(h) { state.permissionRequest = h; },
    setPermissionCheckHandler(h) { state.permissionCheck = h; },
    setDisplayMediaRequestHandler(h) { state.displayMedia = h; },
  },
};
export const shell = { openExternal: async (url) => { state.opened.push(url); } };
export const desktopCapturer = {
  getSources: async () => [{ id: 'screen:1:0', name: 'Entire screen',
    thumbnail: { toDataURL: () => 'data:image/png;base64,AAAA' } }],
};
export const powerMonitor = new EventEmitter();
`;

const HOOKS = `
export async function resolve(specifier, context, next) {
  if (specifier === 'electron') {
    return { url: new URL('./electron.mjs', import.meta.url).href, shortCircuit: true };
  }
  return next(specifier, context);
}
`;

/**
 * Starts the bundle, then plays the window's part and reports what main did, as JSON. The mode
 * says how far: `full` (an unpackaged app with test hooks), `packaged` (the first window only) or
 * `second` (another instance holds the lock).
 */
const RUNNER = `
import { register } from 'node:module';
register('./hooks.mjs', import.meta.url);
const [mainUrl, channelsJson, mode] = process.argv.slice(2);
const { invoke, events } = JSON.parse(channelsJson);
await import(mainUrl);
const { app } = await import('electron');
const state = globalThis.__fakeElectron;
const settle = (ms = 0) => new Promise((r) => setTimeout(r, ms));
const finish = (report) => {
  process.stdout.write(JSON.stringify(report));
  process.exit(0);
};
if (mode === 'second') {
  await settle(50);
  finish({ events: state.events, quit: state.quit, windows: state.windows.length,
    channels: state.handlers.size, protocols: [...state.protocols.keys()] });
}
while (state.windows.length === 0) await settle(10);
const win = state.windows[0];
const contents = win.webContents;
const appUrl = contents.mainFrame.url;
const report = { appUrl, webPreferences: win.options.webPreferences, sandboxed: state.sandboxed,
  switches: state.switches, userData: state.paths.userData, channels: [...state.handlers.keys()],
  events: state.events, schemes: state.schemes, protocols: [...state.protocols.keys()] };
const serve = async (url) => {
  const response = await state.protocols.get('app')(new Request(url));
  return { status: response.status, csp: response.headers.get('content-security-policy'),
    type: response.headers.get('content-type'), body: await response.text() };
};
report.served = await serve('app://appel/index.html');
if (mode === 'packaged') finish(report);

report.servedOutside = (await serve('app://appel/..%2f..%2fpackage.json')).status;
const trusted = { sender: contents, senderFrame: contents.mainFrame };
const strangerFrame = { url: 'https://evil.example/', parent: null };
const call = async (channel, event, ...args) => {
  try { return { ok: true, value: await state.handlers.get(channel)(event, ...args) }; }
  catch (error) { return { ok: false, message: error.message }; }
};
report.untrusted = await call(invoke.host, { sender: contents, senderFrame: strangerFrame });
report.malformed = await call(invoke.sendHangUp, trusted, 42);
report.hosted = await call(invoke.host, trusted, { name: 'Ada' });
report.statusEvents = state.sent.filter(([c]) => c === events.connectionStatus).map(([, p]) => p);
report.left = await call(invoke.leave, trusted);
const decide = (permission, details) =>
  new Promise((resolve) => state.permissionRequest(contents, permission, resolve, details));
const own = { requestingUrl: appUrl, isMainFrame: true };
report.permissions = {
  media: await decide('media', { ...own, mediaTypes: ['video', 'audio'] }),
  mediaElsewhere: await decide('media', { requestingUrl: 'https://evil.example/', isMainFrame: true, mediaTypes: ['video'] }),
  notifications: await decide('notifications', own),
  clipboardWrite: await decide('clipboard-sanitized-write', own),
  clipboardRead: await decide('clipboard-read', own),
  displayCapture: await decide('display-capture', own),
  checkMedia: state.permissionCheck(contents, 'media', 'app://appel', { ...own, mediaType: 'audio' }),
  checkClipboardWrite: state.permissionCheck(contents, 'clipboard-sanitized-write', 'app://appel', own),
  checkGeolocation: state.permissionCheck(contents, 'geolocation', 'app://appel', own),
};
const shareScreen = () => new Promise((resolve) =>
  state.displayMedia({ frame: contents.mainFrame, securityOrigin: 'app://appel',
    videoRequested: true, audioRequested: false, userGesture: true }, resolve));
report.displayMedia = await shareScreen();
// The app's picker: list, pick, then one getDisplayMedia gets that source.
report.sources = await call(invoke.listDisplaySources, trusted);
report.picked = await call(invoke.chooseDisplaySource, trusted, 'screen:1:0', false);
report.pickedPermission = await decide('display-capture', { ...own, mediaTypes: ['video'] });
report.pickedMedia = await shareScreen();
report.secondMedia = await shareScreen();
const navigate = (url) => {
  const event = { url, prevented: false, preventDefault() { this.prevented = true; } };
  contents.emit('will-navigate', event);
  return event.prevented;
};
report.navigationBlocked = { away: navigate('https://example.org/'), own: navigate(appUrl + '#x'),
  file: navigate('file:///etc/hostname') };
report.windowOpen = contents.openHandler({ url: 'smb://host/share' });
report.webviewBlocked = (() => { const e = { prevented: false, preventDefault() { this.prevented = true; } }; contents.emit('will-attach-webview', e, {}, {}); return e.prevented; })();
await settle();
report.opened = state.opened;
contents.mainFrame.url = 'about:blank';
contents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 11 });
await settle();
report.afterCrash = contents.mainFrame.url;
contents.emit('did-fail-load', {}, -6, 'ERR_FILE_NOT_FOUND', appUrl, true);
await settle();
report.afterFailedLoad = decodeURIComponent(contents.mainFrame.url);
// Another start of the app: the minimized window comes back; with no window, a new one opens.
win.minimized = true;
app.emit('second-instance', {}, ['appel'], '/', {});
report.secondInstance = { calls: win.calls, windows: state.windows.length };
win.close();
app.emit('second-instance', {}, ['appel'], '/', {});
report.secondInstanceWithoutWindow = { windows: state.windows.length,
  url: state.windows.at(-1).webContents.mainFrame.url };
finish(report);
`;

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

type Mode = 'full' | 'packaged' | 'second';

function run(dir: string, mode: Mode, env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(dir, 'run.mjs'),
        pathToFileURL(mainJs).href,
        JSON.stringify({ invoke: InvokeChannels, events: EventChannels }),
        mode,
      ],
      {
        env: {
          ...process.env,
          APPEL_LOG: 'silent',
          FAKE_DEFAULT_USER_DATA: join(dir, 'default-userData'),
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(stdout) as Record<string, unknown>)
        : reject(new Error(`exit ${code}: ${stderr}`)),
    );
  });
}

/** A temp folder holding the stand-in electron module and the runner. */
async function bundleDir(): Promise<string> {
  expect(existsSync(mainJs), 'dist-electron/main.js is missing: run npm run build').toBe(true);
  const dir = await mkdtemp(join(tmpdir(), 'appel-bundle-'));
  dirs.push(dir);
  await writeFile(join(dir, 'electron.mjs'), FAKE_ELECTRON);
  await writeFile(join(dir, 'hooks.mjs'), HOOKS);
  await writeFile(join(dir, 'run.mjs'), RUNNER);
  return dir;
}

const TEST_HOOKS = { APPEL_BIND_HOST: '127.0.0.1', APPEL_TEST_FAKE_MEDIA: '1' };
const builtPage = fileURLToPath(new URL('../../dist/renderer/index.html', import.meta.url));

describe('the bundled main process', () => {
  it('wires a hardened window, permissions and IPC, and hosts through the bundled server', async () => {
    const dir = await bundleDir();
    const userData = join(dir, 'userData');
    const report = await run(dir, 'full', { ...TEST_HOOKS, APPEL_USER_DATA: userData });

    // Scheme privileges before ready, the lock once userData is set, the handler after ready.
    expect(report.events).toEqual(['register schemes', `lock ${userData}`, 'ready', 'handle app']);
    expect(report.schemes).toEqual([
      {
        scheme: 'app',
        privileges: expect.objectContaining({
          standard: true,
          secure: true,
          supportFetchAPI: true,
          bypassCSP: false,
          corsEnabled: false,
        }) as unknown,
      },
    ]);
    expect(report.appUrl).toBe('app://appel/index.html');
    expect(report.served).toEqual({
      status: 200,
      csp: CONTENT_SECURITY_POLICY,
      type: 'text/html; charset=utf-8',
      body: readFileSync(builtPage, 'utf8'),
    });
    expect(report.servedOutside).toBe(403);
    expect(report.webPreferences).toMatchObject({
      preload: fileURLToPath(new URL('../../dist-electron/preload.cjs', import.meta.url)),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
    expect(report.sandboxed).toBe(true);
    expect(report.switches).toEqual([
      'use-fake-device-for-media-stream',
      'allow-loopback-in-peer-connection',
    ]);
    expect(report.userData).toBe(userData);
    expect((report.channels as string[]).sort()).toEqual(Object.values(InvokeChannels).sort());

    expect(report.untrusted).toEqual({
      ok: false,
      message: `Refused ${InvokeChannels.host}: the request does not come from the Appel window`,
    });
    expect(report.malformed).toMatchObject({ ok: false, message: /^sendHangUp: the peer id/ });
    expect(report.hosted).toMatchObject({
      ok: true,
      value: {
        mode: 'host',
        url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/) as string,
        host: { urls: [expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/) as string] },
      },
    });
    // The window hears it is connected, as whom the host said.
    const hostedSelf = (report.hosted as { value: { self: { name: string } } }).value.self;
    expect(hostedSelf).toMatchObject({ name: 'Ada' });
    expect(report.statusEvents).toContainEqual({ phase: 'connected', self: hostedSelf });
    expect(report.left).toEqual({ ok: true });

    expect(report.permissions).toEqual({
      media: true,
      mediaElsewhere: false,
      notifications: false,
      clipboardWrite: true,
      clipboardRead: false,
      displayCapture: false,
      checkMedia: true,
      checkClipboardWrite: true,
      checkGeolocation: false,
    });
    // Screen capture gets no source without a pick in the app's picker, and one source per pick.
    expect(report.displayMedia).toBeNull();
    expect(report.sources).toMatchObject({ ok: true, value: [{ id: 'screen:1:0' }] });
    expect(report.picked).toEqual({ ok: true });
    expect(report.pickedPermission).toBe(true);
    expect(report.pickedMedia).toEqual({
      video: { id: 'screen:1:0', name: 'Entire screen', thumbnail: {} },
    });
    expect(report.secondMedia).toBeNull();
    expect(report.navigationBlocked).toEqual({ away: true, own: false, file: true });
    expect(report.windowOpen).toEqual({ action: 'deny' });
    expect(report.webviewBlocked).toBe(true);
    // The blocked https link went to the system browser; the smb: one nowhere.
    expect(report.opened).toEqual(['https://example.org/']);

    // A crashed page is reloaded; a page that cannot load shows why instead of a blank window.
    expect(report.afterCrash).toBe(report.appUrl);
    expect(report.afterFailedLoad).toMatch(/^data:text\/html;charset=utf-8,<!doctype html>/);
    expect(report.afterFailedLoad).toContain(
      '<p role="alert">Its page did not load (ERR_FILE_NOT_FOUND, -6).</p>',
    );

    // A second start brings the window back, or opens one when there is none.
    expect(report.secondInstance).toEqual({ calls: ['restore', 'show', 'focus'], windows: 1 });
    expect(report.secondInstanceWithoutWindow).toEqual({
      windows: 2,
      url: 'app://appel/index.html',
    });
  });

  it('ignores the dev server and every test hook once packaged', async () => {
    const dir = await bundleDir();
    const report = await run(dir, 'packaged', {
      ...TEST_HOOKS,
      APPEL_USER_DATA: join(dir, 'userData'),
      VITE_DEV_SERVER_URL: 'http://localhost:5173/',
      FAKE_PACKAGED: '1',
    });
    expect(report.appUrl).toBe('app://appel/index.html');
    expect(report.switches).toEqual([]);
    expect(report.userData).toBeUndefined();
    expect(report.events).toEqual([
      'register schemes',
      `lock ${join(dir, 'default-userData')}`,
      'ready',
      'handle app',
    ]);
    expect(report.served).toMatchObject({ status: 200, csp: CONTENT_SECURITY_POLICY });
  });

  it('quits at once when another instance holds the lock', async () => {
    const dir = await bundleDir();
    const userData = join(dir, 'userData');
    const report = await run(dir, 'second', {
      ...TEST_HOOKS,
      APPEL_USER_DATA: userData,
      FAKE_LOCK_HELD: '1',
    });
    expect(report).toEqual({
      events: ['register schemes', `lock ${userData}`, 'quit'],
      quit: true,
      windows: 0,
      channels: 0,
      protocols: [],
    });
  });
});

describe('the bundled preload', () => {
  it('is one CommonJS file that requires only electron and exposes only the bridge', async () => {
    expect(existsSync(preloadCjs), 'dist-electron/preload.cjs is missing: run npm run build').toBe(
      true,
    );
    const code = readFileSync(preloadCjs, 'utf8');
    const required: string[] = [];
    const exposed: [string, Record<string, unknown>][] = [];
    const invoked: unknown[][] = [];
    const electron = {
      contextBridge: {
        exposeInMainWorld: (key: string, api: Record<string, unknown>) => exposed.push([key, api]),
      },
      ipcRenderer: {
        invoke: (...args: unknown[]) => {
          invoked.push(args);
          return Promise.reject(
            new Error("Error invoking remote method 'appel:leave': Error: not connected"),
          );
        },
        on: () => undefined,
        removeListener: () => undefined,
      },
    };
    // What a sandboxed preload gets: `require` for a few modules, no import.
    runInNewContext(code, {
      require: (name: string) => {
        required.push(name);
        if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
        return electron;
      },
      module: { exports: {} },
      exports: {},
    });
    expect(required).toEqual(['electron']);
    expect(exposed.map(([key]) => key)).toEqual(['appel']);
    const api = exposed[0]![1];
    expect(api.platform).toBe('desktop');
    expect(Object.keys(api).sort()).toEqual(
      [
        'platform',
        ...Object.keys(InvokeChannels),
        // One listener per pushed event: `peerList` → `onPeerList`.
        ...Object.keys(EventChannels).map(
          (event) => `on${event[0]!.toUpperCase()}${event.slice(1)}`,
        ),
      ].sort(),
    );
    await expect((api.leave as () => Promise<void>)()).rejects.toThrow(/^not connected$/);
    expect(invoked).toEqual([[InvokeChannels.leave]]);
  });
});
