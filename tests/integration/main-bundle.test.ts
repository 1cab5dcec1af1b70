/**
 * The bundled main process (dist-electron/main.js, as `npm run build` makes it) started under
 * Node with a stand-in for the `electron` module, since the Electron binary may be absent: it must
 * load, wire its window, permissions, navigation guards and IPC in order, and host a real call
 * server through the bundled Socket.IO when the window asks.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { EventChannels, InvokeChannels } from '../../preload/ipc-contract.js';

const mainJs = fileURLToPath(new URL('../../dist-electron/main.js', import.meta.url));
const preloadCjs = fileURLToPath(new URL('../../dist-electron/preload.cjs', import.meta.url));

/** A recording stand-in for the parts of `electron` main uses. */
const FAKE_ELECTRON = `
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
const state = (globalThis.__fakeElectron = {
  windows: [], handlers: new Map(), switches: [], paths: {}, sent: [], opened: [],
  sandboxed: false, permissionRequest: null, permissionCheck: null, displayMedia: null,
});
class FakeApp extends EventEmitter {
  commandLine = { appendSwitch: (name) => state.switches.push(name) };
  whenReady() { return new Promise((resolve) => setTimeout(resolve, 10)); }
  setPath(name, path) { state.paths[name] = path; }
  getPath(name) { return state.paths[name] ?? '/nonexistent'; }
  enableSandbox() { state.sandboxed = true; }
  quit() { state.quit = true; }
  exit(code) { state.exitCode = code; }
}
export const app = new FakeApp();
class FakeWebContents extends EventEmitter {
  mainFrame = { url: '', parent: null };
  send(channel, payload) { state.sent.push([channel, payload]); }
  setWindowOpenHandler(handler) { this.openHandler = handler; }
}
export class BrowserWindow extends EventEmitter {
  static getAllWindows() { return state.windows; }
  static fromWebContents(contents) {
    return state.windows.find((w) => w.webContents === contents) ?? null;
  }
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new FakeWebContents();
    state.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  async loadFile(file) { this.webContents.mainFrame.url = pathToFileURL(file).href; }
  async loadURL(url) { this.webContents.mainFrame.url = url; }
  isDestroyed() { return false; }
  show() {}
}
export const ipcMain = {
  handle(channel, listener) { state.handlers.set(channel, listener); },
  removeHandler(channel) { state.handlers.delete(channel); },
};
export const session = {
  defaultSession: {
    setPermissionRequestHandler(h) { state.permissionRequest = h; },
    setPermissionCheckHandler(h) { state.permissionCheck = h; },
    setDisplayMediaRequestHandler(h) { state.displayMedia = h; },
  },
};
export const shell = { openExternal: async (url) => { state.opened.push(url); } };
export const desktopCapturer = { getSources: async () => [] };
`;

const HOOKS = `
export async function resolve(specifier, context, next) {
  if (specifier === 'electron') {
    return { url: new URL('./electron.mjs', import.meta.url).href, shortCircuit: true };
  }
  return next(specifier, context);
}
`;

/** Starts the bundle, then plays the window's part and reports what main did, as JSON. */
const RUNNER = `
import { register } from 'node:module';
register('./hooks.mjs', import.meta.url);
const [mainUrl, channelsJson] = process.argv.slice(2);
const { invoke, events } = JSON.parse(channelsJson);
await import(mainUrl);
const state = globalThis.__fakeElectron;
while (state.windows.length === 0) await new Promise((r) => setTimeout(r, 10));
const win = state.windows[0];
const contents = win.webContents;
const appUrl = contents.mainFrame.url;
const trusted = { sender: contents, senderFrame: contents.mainFrame };
const strangerFrame = { url: 'https://evil.example/', parent: null };
const report = { appUrl, webPreferences: win.options.webPreferences, sandboxed: state.sandboxed,
  switches: state.switches, userData: state.paths.userData, channels: [...state.handlers.keys()] };
const call = async (channel, event, ...args) => {
  try { return { ok: true, value: await state.handlers.get(channel)(event, ...args) }; }
  catch (error) { return { ok: false, message: error.message }; }
};
report.untrusted = await call(invoke.host, { sender: contents, senderFrame: strangerFrame });
report.malformed = await call(invoke.sendHangUp, trusted, 42);
report.hosted = await call(invoke.host, trusted);
report.statusEvents = state.sent.filter(([c]) => c === events.connectionStatus).map(([, p]) => p);
report.left = await call(invoke.leave, trusted);
const decide = (permission, details) =>
  new Promise((resolve) => state.permissionRequest(contents, permission, resolve, details));
report.permissions = {
  media: await decide('media', { requestingUrl: appUrl, isMainFrame: true, mediaTypes: ['video', 'audio'] }),
  mediaElsewhere: await decide('media', { requestingUrl: 'https://evil.example/', isMainFrame: true, mediaTypes: ['video'] }),
  notifications: await decide('notifications', { requestingUrl: appUrl, isMainFrame: true }),
  checkMedia: state.permissionCheck(contents, 'media', 'file:///', { requestingUrl: appUrl, isMainFrame: true, mediaType: 'audio' }),
  checkGeolocation: state.permissionCheck(contents, 'geolocation', 'file:///', { requestingUrl: appUrl, isMainFrame: true }),
};
const navigate = (url) => {
  const event = { url, prevented: false, preventDefault() { this.prevented = true; } };
  contents.emit('will-navigate', event);
  return event.prevented;
};
report.navigationBlocked = { away: navigate('https://example.org/'), own: navigate(appUrl + '#x') };
report.windowOpen = contents.openHandler({ url: 'smb://host/share' });
report.webviewBlocked = (() => { const e = { prevented: false, preventDefault() { this.prevented = true; } }; contents.emit('will-attach-webview', e, {}, {}); return e.prevented; })();
await new Promise((r) => setTimeout(r, 0));
report.opened = state.opened;
const settle = () => new Promise((r) => setTimeout(r, 0));
contents.mainFrame.url = 'about:blank';
contents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 11 });
await settle();
report.afterCrash = contents.mainFrame.url;
contents.emit('did-fail-load', {}, -6, 'ERR_FILE_NOT_FOUND', appUrl, true);
await settle();
report.afterFailedLoad = decodeURIComponent(contents.mainFrame.url);
process.stdout.write(JSON.stringify(report));
process.exit(0);
`;

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

function run(dir: string, userData: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(dir, 'run.mjs'),
        pathToFileURL(mainJs).href,
        JSON.stringify({ invoke: InvokeChannels, events: EventChannels }),
      ],
      {
        env: {
          ...process.env,
          APPEL_USER_DATA: userData,
          APPEL_BIND_HOST: '127.0.0.1',
          APPEL_TEST_FAKE_MEDIA: '1',
          APPEL_LOG: 'silent',
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
      code === 0 ? resolve(stdout) : reject(new Error(`exit ${code}: ${stderr}`)),
    );
  });
}

describe('the bundled main process', () => {
  it('wires a hardened window, permissions and IPC, and hosts through the bundled server', async () => {
    expect(existsSync(mainJs), 'dist-electron/main.js is missing: run npm run build').toBe(true);
    const dir = await mkdtemp(join(tmpdir(), 'appel-bundle-'));
    dirs.push(dir);
    await writeFile(join(dir, 'electron.mjs'), FAKE_ELECTRON);
    await writeFile(join(dir, 'hooks.mjs'), HOOKS);
    await writeFile(join(dir, 'run.mjs'), RUNNER);
    const userData = join(dir, 'userData');

    const report = JSON.parse(await run(dir, userData)) as Record<string, unknown>;

    expect(report.appUrl).toBe(
      pathToFileURL(fileURLToPath(new URL('../../dist/renderer/index.html', import.meta.url))).href,
    );
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
    expect(report.statusEvents).toEqual([
      { phase: 'connecting' },
      {
        phase: 'connected',
        selfId: (report.hosted as { value: { selfId: string } }).value.selfId,
      },
    ]);
    expect(report.left).toEqual({ ok: true });

    expect(report.permissions).toEqual({
      media: true,
      mediaElsewhere: false,
      notifications: false,
      checkMedia: true,
      checkGeolocation: false,
    });
    expect(report.navigationBlocked).toEqual({ away: true, own: false });
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
        'onOffer',
        'onAnswer',
        'onCandidate',
        'onHangUp',
        'onPeerList',
        'onPeerJoined',
        'onPeerLeft',
        'onConnectionStatus',
      ].sort(),
    );
    await expect((api.leave as () => Promise<void>)()).rejects.toThrow(/^not connected$/);
    expect(invoked).toEqual([[InvokeChannels.leave]]);
  });
});
