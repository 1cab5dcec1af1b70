/**
 * Main's IPC handlers and the preload bridge, joined by a stand-in for Electron's IPC transport
 * that behaves like Electron's: invoke rejections arrive as "Error invoking remote method …",
 * listeners get the IPC event first. The validators are checked against a recording controller
 * (nothing invalid may reach it); the last suite runs the real controller and server behind them.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HostInfo, SessionInfo } from '../../common/bridge-api.js';
import { createBridge, type IpcListener, type IpcRendererLike } from '../../preload/bridge.js';
import { EventChannels, InvokeChannels } from '../../common/ipc-contract.js';
import {
  forwardEvents,
  registerIpcHandlers,
  type EventSource,
  type IpcMainLike,
} from '../../main/ipc.js';
import { SessionController, type SessionApi } from '../../main/session.js';
import { silentLogger } from '../../signaling-server/log.js';
import { createCleanups } from '../support/cleanups.js';
import { sampleOffer } from '../support/signaling-fixtures.js';

interface FakeEvent {
  sender: string;
}
type Handler = (event: FakeEvent, ...args: unknown[]) => unknown;

class FakeIpcMain implements IpcMainLike<FakeEvent> {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What `ipcRenderer.invoke` does in Electron, including how errors are reworded. */
  async invoke(sender: string, channel: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    try {
      return await handler({ sender }, ...args);
    } catch (error) {
      throw new Error(`Error invoking remote method '${channel}': ${String(error)}`, {
        cause: error,
      });
    }
  }
}

/** A renderer-side IPC over {@link FakeIpcMain}, plus `emit` for main → page events. */
function fakeIpcRenderer(ipcMain: FakeIpcMain, sender = 'app') {
  const listeners = new Map<string, Set<IpcListener>>();
  const ipc: IpcRendererLike & { emit(channel: string, payload: unknown): void } = {
    invoke: (channel, ...args) => ipcMain.invoke(sender, channel, ...args),
    on(channel, listener) {
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
    },
    removeListener(channel, listener) {
      listeners.get(channel)?.delete(listener);
    },
    emit(channel, payload) {
      for (const listener of listeners.get(channel) ?? []) {
        listener({ sender: 'the IPC event, with ports and the sender' }, payload);
      }
    },
  };
  return { ipc, listeners };
}

const SESSION: SessionInfo = {
  mode: 'join',
  self: { id: 'self', name: 'Ann' },
  room: 'r1',
  url: 'https://127.0.0.1:8443',
  fingerprint: 'AA:'.repeat(31) + 'AA',
};
const HOST_INFO: HostInfo = {
  urls: ['https://127.0.0.1:8443'],
  port: 8443,
  fingerprint: 'AA:'.repeat(31) + 'AA',
  room: 'r1',
  invite: 'https://127.0.0.1:8443/#room=r1&key=k',
};
const SDP = 'v=0\r\n';
const KEY = 'k'.repeat(43);

function fakeController() {
  return {
    host: vi.fn(() => Promise.resolve({ ...SESSION, mode: 'host' as const, host: HOST_INFO })),
    newInvite: vi.fn(() => Promise.resolve(HOST_INFO)),
    join: vi.fn(() => Promise.resolve(SESSION)),
    probeCertificate: vi.fn((url: string) =>
      Promise.resolve({
        url,
        fingerprint: SESSION.fingerprint ?? '',
        subject: 'CN=x',
        validTo: '',
      }),
    ),
    leave: vi.fn(() => Promise.resolve()),
    sendOffer: vi.fn(() => Promise.resolve()),
    sendAnswer: vi.fn(() => Promise.resolve()),
    sendCandidate: vi.fn(() => Promise.resolve()),
    sendRinging: vi.fn(() => Promise.resolve()),
    sendHangUp: vi.fn((): Promise<void> =>
      Promise.reject(new Error('unknown-peer: No peer "gone" is connected')),
    ),
  } satisfies SessionApi;
}

function setup() {
  const ipcMain = new FakeIpcMain();
  const controller = fakeController();
  const unregister = registerIpcHandlers(ipcMain, controller, (event) => event.sender === 'app');
  return { ipcMain, controller, unregister };
}

describe('registerIpcHandlers', () => {
  it('registers one handler per bridge method and removes them all', () => {
    const { ipcMain, unregister } = setup();
    expect([...ipcMain.handlers.keys()].sort()).toEqual(Object.values(InvokeChannels).sort());
    unregister();
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('refuses every channel from a sender other than the app window', async () => {
    const { ipcMain, controller } = setup();
    for (const channel of Object.values(InvokeChannels)) {
      await expect(ipcMain.invoke('evil', channel)).rejects.toThrow(
        `Refused ${channel}: the request does not come from the Appel window`,
      );
    }
    for (const method of Object.values(controller)) expect(method).not.toHaveBeenCalled();
  });

  it.each([
    [InvokeChannels.host, [], 'host expects 1 argument(s), got 0'],
    [InvokeChannels.host, ['Ann'], 'host: expected {name}'],
    [InvokeChannels.host, [{}], 'host: The name must be text.'],
    [InvokeChannels.host, [{ name: '   ' }], 'host: Enter a name for others to see.'],
    [
      InvokeChannels.host,
      [{ name: 'Ann\u0007' }],
      'host: The name holds control or direction characters',
    ],
    [
      InvokeChannels.host,
      [{ name: 'Ann\u202Egpj.exe' }],
      'host: The name holds control or direction characters',
    ],
    [
      InvokeChannels.host,
      [{ name: '\u2066Ann\u2069' }],
      'host: The name holds control or direction characters',
    ],
    [
      InvokeChannels.host,
      [{ name: 'x'.repeat(41) }],
      'host: The name is longer than 40 characters.',
    ],
    [InvokeChannels.newInvite, ['now'], 'newInvite expects 0 argument(s), got 1'],
    [InvokeChannels.join, ['https://x'], 'join: expected {url, name'],
    [InvokeChannels.join, [{ url: 42, name: 'Ann' }], 'join: the server address must be'],
    [InvokeChannels.join, [{ url: 'https://x' }], 'join: The name must be text.'],
    [
      InvokeChannels.join,
      [{ url: 'https://x', name: 'A\u202Dnn' }],
      'join: The name holds control or direction characters',
    ],
    [
      InvokeChannels.join,
      [{ url: 'https://x', name: 'Ann', fingerprint: 7 }],
      'join: the fingerprint must be a string',
    ],
    [
      InvokeChannels.join,
      [{ url: 'https://x', name: 'Ann', replacePin: 'yes' }],
      'join: replacePin must be a boolean',
    ],
    [
      InvokeChannels.join,
      [{ url: 'https://x', name: 'Ann', room: 'r1' }],
      'join: room and key must be a room id and a room key',
    ],
    [
      InvokeChannels.join,
      [{ url: 'https://x', name: 'Ann', key: KEY }],
      'join: room and key must be a room id and a room key',
    ],
    [
      InvokeChannels.join,
      [{ url: 'https://x', name: 'Ann', room: 'a/b', key: KEY }],
      'join: room and key must be a room id and a room key',
    ],
    [
      InvokeChannels.join,
      [{ url: 'https://x', name: 'Ann', room: 'r1', key: 'short' }],
      'join: room and key must be a room id and a room key',
    ],
    [InvokeChannels.probeCertificate, [''], 'probeCertificate: the server address must be'],
    [InvokeChannels.sendOffer, [42, { type: 'offer', sdp: SDP }], 'sendOffer: the peer id must be'],
    [
      InvokeChannels.sendOffer,
      ['p', { type: 'answer', sdp: SDP }],
      'sendOffer: "offer.type" must be "offer"',
    ],
    [
      InvokeChannels.sendOffer,
      ['p', { type: 'offer', sdp: 'x' }],
      'sendOffer: "offer.sdp" is not an SDP session',
    ],
    [InvokeChannels.sendAnswer, ['p', null], 'sendAnswer: "answer" must be an object'],
    [
      InvokeChannels.sendCandidate,
      ['p', { candidate: 'nope' }],
      'sendCandidate: "candidate.candidate" must be empty or start with "candidate:"',
    ],
    [InvokeChannels.sendRinging, [], 'sendRinging expects 1 argument(s), got 0'],
    [InvokeChannels.sendRinging, ['p', 'extra'], 'sendRinging expects 1 argument(s), got 2'],
    [InvokeChannels.sendRinging, [''], 'sendRinging: the peer id must be'],
    [InvokeChannels.sendHangUp, ['x'.repeat(129)], 'sendHangUp: the peer id must be'],
    [InvokeChannels.sendHangUp, [], 'sendHangUp expects 1 or 2 argument(s), got 0'],
    [
      InvokeChannels.sendHangUp,
      ['p', 'busy', 'extra'],
      'sendHangUp expects 1 or 2 argument(s), got 3',
    ],
    [
      InvokeChannels.sendHangUp,
      ['p', 'rude'],
      'sendHangUp: "reason" must be "declined", "busy" or "missed"',
    ],
    [
      InvokeChannels.sendHangUp,
      ['p', null],
      'sendHangUp: "reason" must be "declined", "busy" or "missed"',
    ],
  ])('%s rejects %j with a specific message', async (channel, args, message) => {
    const { ipcMain, controller } = setup();
    await expect(ipcMain.invoke('app', channel, ...args)).rejects.toThrow(message);
    for (const method of Object.values(controller)) expect(method).not.toHaveBeenCalled();
  });

  it('accepts a 40-character name and passes it normalised', async () => {
    const { ipcMain, controller } = setup();
    const forty = 'é'.repeat(40);
    await ipcMain.invoke('app', InvokeChannels.host, { name: forty });
    expect(controller.host).toHaveBeenLastCalledWith({ name: forty });
    await ipcMain.invoke('app', InvokeChannels.host, { name: '  Ann \t  Lee ', admin: true });
    expect(controller.host).toHaveBeenLastCalledWith({ name: 'Ann Lee' });
  });

  it('passes sendHangUp with or without a reason, sendRinging and newInvite on', async () => {
    const { ipcMain, controller } = setup();
    controller.sendHangUp.mockResolvedValue(undefined);
    await ipcMain.invoke('app', InvokeChannels.sendHangUp, 'p');
    expect(controller.sendHangUp).toHaveBeenLastCalledWith('p');
    await ipcMain.invoke('app', InvokeChannels.sendHangUp, 'p', undefined);
    expect(controller.sendHangUp).toHaveBeenLastCalledWith('p');
    for (const reason of ['declined', 'busy', 'missed']) {
      await ipcMain.invoke('app', InvokeChannels.sendHangUp, 'p', reason);
      expect(controller.sendHangUp).toHaveBeenLastCalledWith('p', reason);
    }
    await ipcMain.invoke('app', InvokeChannels.sendRinging, 'p');
    expect(controller.sendRinging).toHaveBeenCalledWith('p');
    await expect(ipcMain.invoke('app', InvokeChannels.newInvite)).resolves.toEqual(HOST_INFO);
    expect(controller.newInvite).toHaveBeenCalledWith();
  });

  it('passes only validated fields on to the controller', async () => {
    const { ipcMain, controller } = setup();
    const candidate = { candidate: 'candidate:1 1 udp 1 1.2.3.4 9 typ host', sdpMid: '0', evil: 1 };
    await ipcMain.invoke('app', InvokeChannels.sendCandidate, 'peer', candidate);
    expect(controller.sendCandidate).toHaveBeenCalledWith('peer', {
      candidate: candidate.candidate,
      sdpMid: '0',
    });
    await ipcMain.invoke('app', InvokeChannels.sendOffer, 'peer', {
      type: 'offer',
      sdp: SDP,
      x: 1,
    });
    expect(controller.sendOffer).toHaveBeenCalledWith('peer', { type: 'offer', sdp: SDP });
    await ipcMain.invoke('app', InvokeChannels.join, {
      url: 'https://h:1',
      name: ' Bob ',
      fingerprint: '',
      x: 1,
    });
    expect(controller.join).toHaveBeenLastCalledWith({ url: 'https://h:1', name: 'Bob' });
    await ipcMain.invoke('app', InvokeChannels.join, {
      url: 'https://h:1',
      name: 'Bob',
      fingerprint: 'ab'.repeat(32),
      replacePin: true,
      room: 'r1',
      key: KEY,
    });
    expect(controller.join).toHaveBeenLastCalledWith({
      url: 'https://h:1',
      name: 'Bob',
      fingerprint: 'ab'.repeat(32),
      replacePin: true,
      room: 'r1',
      key: KEY,
    });
  });
});

describe('forwardEvents', () => {
  it('sends each controller event on its channel until unsubscribed', () => {
    const listeners = new Map<string, (payload: unknown) => void>();
    const source: EventSource = {
      on(event, listener) {
        listeners.set(event, listener as (payload: unknown) => void);
        return () => {
          listeners.delete(event);
        };
      },
    };
    const sent: [string, unknown][] = [];
    const stop = forwardEvents(source, (channel, payload) => sent.push([channel, payload]));
    expect([...listeners.keys()].sort()).toEqual(Object.keys(EventChannels).sort());
    listeners.get('peerJoined')?.({ id: 'a' });
    listeners.get('connectionStatus')?.({ phase: 'connected' });
    expect(sent).toEqual([
      [EventChannels.peerJoined, { id: 'a' }],
      [EventChannels.connectionStatus, { phase: 'connected' }],
    ]);
    stop();
    expect(listeners.size).toBe(0);
  });
});

describe('createBridge over IPC', () => {
  it('resolves with what main returns and rejects with main’s own words', async () => {
    const { ipcMain, controller } = setup();
    const bridge = createBridge(fakeIpcRenderer(ipcMain).ipc);
    expect(bridge.platform).toBe('desktop');
    await expect(bridge.join({ url: 'https://h:1', name: 'Ann' })).resolves.toEqual(SESSION);
    await expect(bridge.host({ name: 'Ann' })).resolves.toMatchObject({ mode: 'host' });
    await expect(bridge.newInvite()).resolves.toEqual(HOST_INFO);
    await expect(bridge.sendHangUp('gone')).rejects.toThrow(
      new Error('unknown-peer: No peer "gone" is connected'),
    );
    await expect(bridge.host({ name: 'x'.repeat(41) })).rejects.toThrow(
      new Error('host: The name is longer than 40 characters.'),
    );
    await expect(bridge.sendOffer('', { type: 'offer', sdp: SDP })).rejects.toThrow(
      /^sendOffer: the peer id must be/,
    );
    expect(controller.host).toHaveBeenCalledTimes(1);
  });

  it('is refused when the page is not the app’s', async () => {
    const { ipcMain } = setup();
    const bridge = createBridge(fakeIpcRenderer(ipcMain, 'other page').ipc);
    await expect(bridge.leave()).rejects.toThrow(
      new Error('Refused appel:leave: the request does not come from the Appel window'),
    );
  });

  it('delivers payloads without the IPC event, until unsubscribed', () => {
    const { ipcMain } = setup();
    const { ipc, listeners } = fakeIpcRenderer(ipcMain);
    const bridge = createBridge(ipc);
    const received: unknown[][] = [];
    const off = bridge.onOffer((...args: unknown[]) => received.push(args));
    ipc.emit(EventChannels.offer, { offer: { type: 'offer', sdp: SDP }, from: 'p' });
    expect(received).toEqual([[{ offer: { type: 'offer', sdp: SDP }, from: 'p' }]]);
    off();
    off();
    ipc.emit(EventChannels.offer, { offer: { type: 'offer', sdp: SDP }, from: 'p' });
    expect(received).toHaveLength(1);
    expect(listeners.get(EventChannels.offer)?.size).toBe(0);
  });
});

describe('the real controller behind the IPC handlers', () => {
  const cleanups = createCleanups();
  afterEach(() => cleanups.run());

  it('hosts, renews the invite and sends, with the error code surviving IPC', async () => {
    const dir = await cleanups.tempDir('appel-ipc-');
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ port: 0 }));
    const controller = new SessionController({
      userDataDir: dir,
      bindHost: '127.0.0.1',
      logger: silentLogger,
      serverLogger: silentLogger,
    });
    cleanups.push(() => controller.leave());
    const ipcMain = new FakeIpcMain();
    registerIpcHandlers(ipcMain, controller, (event) => event.sender === 'app');
    const bridge = createBridge(fakeIpcRenderer(ipcMain).ipc);

    await expect(bridge.sendRinging('nobody')).rejects.toThrow(
      new Error('disconnected: Not connected to a signaling server: host or join first.'),
    );
    const hosted = await bridge.host({ name: ' Ann ' });
    expect(hosted).toMatchObject({ mode: 'host', self: { name: 'Ann' } });
    const renewed = await bridge.newInvite();
    expect(renewed.room).toBe(hosted.room);
    expect(renewed.invite).not.toBe(hosted.host?.invite);
    await expect(bridge.sendOffer('nobody', sampleOffer(1))).rejects.toThrow(
      new Error('unknown-peer: No peer "nobody" is connected'),
    );
    await expect(bridge.sendHangUp('nobody', 'busy')).rejects.toThrow(/^unknown-peer: /);
    await bridge.leave();
    expect(controller.session).toBeNull();
  });
});
