/**
 * The one signaling client (common/signaling-client.ts) in Node against the real server: joining,
 * refusals with the server's code, validation of what the server sends, the room roster, sends
 * that fail with their cause, and reconnection (after a restart, and after a re-key).
 */
import { io as ioClient } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../common/bridge-api.js';
import type { EventName, EventPayloads } from '../../common/ipc-contract.js';
import { Events, type HandshakeAuth } from '../../common/protocol.js';
import { SignalingClient, type SignalingClientOptions } from '../../common/signaling-client.js';
import {
  type SignalingServer,
  type SignalingServerOptions,
} from '../../signaling-server/server.js';
import { createCleanups } from '../support/cleanups.js';
import { getTestCertificate, startServerWith } from '../support/server-harness.js';
import { sampleOffer } from '../support/signaling-fixtures.js';

const WAIT_MS = 5000;

const cleanups = createCleanups();
afterEach(() => cleanups.run());

/** A server on 127.0.0.1 (port 0 unless given), closed when the test ends. */
function startServer(
  options: Partial<Omit<SignalingServerOptions, 'tls' | 'host'>> = {},
): Promise<SignalingServer> {
  return startServerWith(cleanups, options);
}

interface Opened {
  client: SignalingClient;
  statuses: ConnectionStatus[];
  warnings: string[];
}

/** A client for `url` with handshake `auth`, not yet opened; closed when the test ends. */
async function makeClient(
  url: string,
  auth: HandshakeAuth = {},
  options: SignalingClientOptions = {},
): Promise<Opened> {
  const { cert } = await getTestCertificate();
  const socket = ioClient(url, {
    transports: ['websocket'],
    ca: cert,
    forceNew: true,
    autoConnect: false,
    reconnectionDelay: 50,
    reconnectionDelayMax: 200,
    auth: { ...auth },
  });
  const warnings: string[] = [];
  const client = new SignalingClient(socket, {
    warn: (message) => warnings.push(message),
    ...options,
  });
  cleanups.push(() => client.close());
  const statuses: ConnectionStatus[] = [];
  client.on('connectionStatus', (status) => statuses.push(status));
  return { client, statuses, warnings };
}

/** Resolves with the next payload of `event` that satisfies `match`. */
function next<E extends EventName>(
  client: SignalingClient,
  event: E,
  match: (payload: EventPayloads[E]) => boolean = () => true,
): Promise<EventPayloads[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${event}"`)), WAIT_MS);
    const off = client.on(event, (payload) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

function record<E extends EventName>(client: SignalingClient, event: E): EventPayloads[E][] {
  const seen: EventPayloads[E][] = [];
  client.on(event, (payload) => seen.push(payload));
  return seen;
}

describe('SignalingClient.open', () => {
  it('resolves with the room’s welcome and reports connecting, then connected', async () => {
    const server = await startServer({ defaultRoom: false });
    const { room, key } = server.createRoom();
    const first = await makeClient(server.url, { room, key, name: 'Ann' });
    const annWelcome = await first.client.open();
    const { client, statuses } = await makeClient(server.url, { room, key, name: 'Bob' });
    const welcome = await client.open();
    expect(welcome).toEqual({
      room,
      self: { id: expect.any(String) as string, name: 'Bob' },
      peers: [annWelcome.self],
    });
    expect(statuses).toEqual([{ phase: 'connecting' }, { phase: 'connected', self: welcome.self }]);
    expect(client.self).toEqual(welcome.self);
    expect(client.room).toBe(room);
    expect(client.peers).toEqual([annWelcome.self]);
    expect(client.connected).toBe(true);
  });

  it.each([
    [
      'a wrong room key',
      (room: HandshakeAuth): HandshakeAuth => ({ ...room, key: 'W'.repeat(43) }),
      'unauthorized',
      /does not open with that key/,
    ],
    ['no room at all', (): HandshakeAuth => ({}), 'unauthorized', /invited people only/],
    [
      'a name with a direction override',
      (room: HandshakeAuth): HandshakeAuth => ({ ...room, name: '\u202Eevil' }),
      'invalid-payload',
      /direction/,
    ],
  ] as const)(
    'rejects a refused handshake (%s) with the server’s code and a closed status',
    async (_, authFor, code, words) => {
      const server = await startServer({ defaultRoom: false, openRooms: false });
      const full = authFor(server.createRoom());
      const { client, statuses } = await makeClient(server.url, full);
      const peerLists = record(client, 'peerList');
      const attempt = client.open();
      await expect(attempt).rejects.toThrow(new RegExp(`^${code}: `));
      await expect(attempt).rejects.toThrow(words);
      await expect(attempt).rejects.toMatchObject({ code });
      expect(statuses).toEqual([
        { phase: 'connecting' },
        { phase: 'closed', detail: expect.stringMatching(words) as string, code },
      ]);
      expect(peerLists).toEqual([]);
      expect(client.self).toBeNull();
      expect(client.connected).toBe(false);
    },
  );

  it('rejects disconnected when nothing answers', async () => {
    const server = await startServer();
    const { url } = server;
    await server.close();
    const { client } = await makeClient(url);
    await expect(client.open()).rejects.toThrow(/^disconnected: Cannot reach the signaling server/);
  });
});

describe('what the server sends', () => {
  it('is validated: malformed relays and roster events are dropped, valid ones delivered', async () => {
    const server = await startServer();
    const { client, warnings } = await makeClient(server.url, { name: 'Ann' });
    const welcome = await client.open();
    const offers = record(client, 'offer');
    const hangUps = record(client, 'hangUp');
    const joined = record(client, 'peerJoined');
    const lists = record(client, 'peerList');
    const target = server.io.to(welcome.self.id);
    // Straight from the server, bypassing its own validation.
    const raw = target as unknown as { emit(event: string, payload: unknown): void };
    raw.emit(Events.offer, { offer: { type: 'offer', sdp: 'not an sdp' }, from: 'x' });
    raw.emit(Events.offer, { offer: sampleOffer(1) });
    raw.emit(Events.hangUp, { from: 'x', reason: 'because' });
    raw.emit(Events.peerJoined, { id: 'x', name: '\u202Eevil' });
    raw.emit(Events.peerList, { room: null, self: { id: 'x' }, peers: [] });
    // A valid relay after the malformed ones arrives, so they were received and dropped.
    const delivered = next(client, 'offer');
    raw.emit(Events.offer, { offer: sampleOffer(2), from: 'y', extra: 'dropped' });
    await expect(delivered).resolves.toEqual({ offer: sampleOffer(2), from: 'y' });
    expect(offers).toHaveLength(1);
    expect(hangUps).toEqual([]);
    expect(joined).toEqual([]);
    expect(lists).toEqual([]);
    expect(client.peers).toEqual([]);
    expect(client.self).toEqual(welcome.self);
    expect(warnings).toEqual([
      expect.stringContaining('dropped a malformed "offer": "offer.sdp" is not an SDP session'),
      expect.stringContaining('dropped a malformed "offer": "from" must be a non-empty string'),
      expect.stringContaining('dropped a malformed "call:hang-up": "reason" must be'),
      'dropped a malformed "peer:joined"',
      'dropped a malformed "peer:list"',
    ]);
  });

  it('keeps the roster as peers join and leave', async () => {
    const server = await startServer();
    const ann = await makeClient(server.url, { name: 'Ann' });
    await ann.client.open();
    const joined = next(ann.client, 'peerJoined');
    const bob = await makeClient(server.url, { name: 'Bob' });
    const bobWelcome = await bob.client.open();
    await expect(joined).resolves.toEqual(bobWelcome.self);
    expect(ann.client.peers).toEqual([bobWelcome.self]);

    const cy = await makeClient(server.url, { name: 'Cy' });
    const cyJoined = next(ann.client, 'peerJoined');
    const cyWelcome = await cy.client.open();
    await cyJoined;
    expect(ann.client.peers).toEqual([bobWelcome.self, cyWelcome.self]);

    const left = next(ann.client, 'peerLeft');
    bob.client.close();
    await expect(left).resolves.toEqual({ id: bobWelcome.self.id });
    expect(ann.client.peers).toEqual([cyWelcome.self]);
    expect(bob.statuses.at(-1)).toEqual({ phase: 'closed' });
  });

  it('keeps the welcome, TURN credentials included, to hand a reloaded page again', async () => {
    const server = await startServer({
      turn: { secret: 'a-turn-secret-of-some-length', urls: ['turn:127.0.0.1:3478'] },
    });
    const ann = await makeClient(server.url, { name: 'Ann' });
    const welcome = await ann.client.open();
    expect(welcome.iceServers?.[0]?.username).toMatch(/^\d+:/);
    expect(ann.client.welcome()).toEqual(welcome);
    ann.client.close();
    expect(ann.client.welcome()).toBeNull();
  });
});

describe('SignalingClient.send', () => {
  it('resolves on the server’s ack and rejects with its cause', async () => {
    const server = await startServer({ defaultRoom: true, openRooms: true });
    const ours = server.createRoom();
    const theirs = server.createRoom();
    const ann = await makeClient(server.url, { ...ours, name: 'Ann' });
    await ann.client.open();
    const bob = await makeClient(server.url, { ...ours, name: 'Bob' });
    const bobWelcome = await bob.client.open();
    const eve = await makeClient(server.url, { ...theirs, name: 'Eve' });
    const eveWelcome = await eve.client.open();

    const offered = next(bob.client, 'offer');
    await ann.client.send(Events.offer, { to: bobWelcome.self.id, offer: sampleOffer(3) });
    await expect(offered).resolves.toMatchObject({ offer: sampleOffer(3) });
    await expect(
      ann.client.send(Events.offer, { to: 'nobody', offer: sampleOffer(3) }),
    ).rejects.toThrow('unknown-peer: No peer "nobody" is connected');
    await expect(ann.client.send(Events.ringing, { to: eveWelcome.self.id })).rejects.toThrow(
      `forbidden: Peer "${eveWelcome.self.id}" is not in your room`,
    );
    // Checked before it is sent, with the server's own validator.
    await expect(
      ann.client.send(Events.hangUp, { to: bobWelcome.self.id, reason: 'rude' as 'busy' }),
    ).rejects.toThrow('invalid-payload: "reason" must be "declined", "busy" or "missed"');

    const lost = next(ann.client, 'connectionStatus', (status) => status.phase !== 'connected');
    await server.close();
    await expect(lost).resolves.toMatchObject({ phase: 'reconnecting' });
    await expect(
      ann.client.send(Events.offer, { to: bobWelcome.self.id, offer: sampleOffer(4) }),
    ).rejects.toThrow(/^disconnected: Not connected to the signaling server/);
  });
});

describe('reconnection', () => {
  it('rejoins after the server restarts on the same port, as the same peer, with a new connected status', async () => {
    const first = await startServer();
    const { room, key } = { room: 'kitchen', key: 'K'.repeat(43) };
    const { client, statuses } = await makeClient(first.url, { room, key, name: 'Ann' });
    const welcome = await client.open();
    const lost = next(client, 'connectionStatus', (status) => status.phase === 'reconnecting');
    await first.close();
    await lost;
    expect(client.connected).toBe(false);
    const back = next(client, 'connectionStatus', (status) => status.phase === 'connected');
    const listed = next(client, 'peerList');
    await startServer({ port: first.port });
    const status = await back;
    expect(status.self).toMatchObject({ name: 'Ann' });
    // The restarted server knows nothing, yet gives the same id back for the welcome's token.
    expect(status.self).toEqual(welcome.self);
    await expect(listed).resolves.toEqual({ room, self: status.self, peers: [] });
    expect(client.self).toEqual(status.self);
    expect(client.connected).toBe(true);
    const phases = statuses.map((s) => s.phase);
    expect(phases.slice(0, 3)).toEqual(['connecting', 'connected', 'reconnecting']);
    expect(new Set(phases.slice(2, -1))).toEqual(new Set(['reconnecting']));
    expect(phases.at(-1)).toBe('connected');
  });

  it('rejoins a re-keyed room with the key set by setRoomKey; the old key is refused', async () => {
    const server = await startServer({ defaultRoom: false, openRooms: false });
    const { room, key } = server.createRoom();
    const host = await makeClient(server.url, { room, key, name: 'Host' });
    const hostWelcome = await host.client.open();
    const stale = await makeClient(server.url, { room, key, name: 'Stale' });
    const staleWelcome = await stale.client.open();

    const newKey = server.rekeyRoom(room);
    host.client.setRoomKey(newKey);
    const hostBack = next(host.client, 'connectionStatus', (s) => s.phase === 'connected');
    const staleRefused = next(stale.client, 'connectionStatus', (s) => s.phase === 'closed');
    // Drop both transports from the server side, as a network change would.
    for (const welcome of [hostWelcome, staleWelcome]) {
      server.io.of('/').sockets.get(welcome.self.id)?.conn.close();
    }
    const back = await hostBack;
    expect(back.self).toMatchObject({ name: 'Host' });
    expect(host.client.room).toBe(room);
    await expect(staleRefused).resolves.toMatchObject({ phase: 'closed', code: 'unauthorized' });
    expect(stale.client.connected).toBe(false);
  });
});
