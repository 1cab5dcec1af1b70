/**
 * Stable peer identities over the real server and real clients: a client whose transport drops,
 * or whose server restarts on the same port, comes back with the same peer id (its resume token)
 * and relays to that id reach its new socket; the room does not hear it leave meanwhile; a token
 * that is forged, tampered with, expired or for another room gives a fresh id and nothing else;
 * tutorial clients are unchanged; the desktop session resumes too.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { io as ioClient, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { formatInvite } from '../../common/invite.js';
import type { EventName, EventPayloads } from '../../common/ipc-contract.js';
import {
  Events,
  RESUME_TOKEN_TTL_MS,
  isResumeToken,
  newRoomKey,
  parseResumeNotice,
  validateHandshake,
  type HandshakeAuth,
  type PeerId,
  type ResumeNotice,
} from '../../common/protocol.js';
import { SignalingClient } from '../../common/signaling-client.js';
import { SessionController } from '../../main/session.js';
import { ResumeTokens } from '../../signaling-server/identity.js';
import { silentLogger } from '../../signaling-server/log.js';
import {
  type SignalingServer,
  type SignalingServerOptions,
} from '../../signaling-server/server.js';
import { createCleanups } from '../support/cleanups.js';
import { getTestCertificate, startServerWith, nextEvent } from '../support/server-harness.js';
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

/** A Socket.IO client for `url`, not yet connected; reconnecting fast, as the app does slower. */
async function socketFor(
  url: string,
  auth: HandshakeAuth,
  reconnection = true,
): Promise<ClientSocket> {
  const { cert } = await getTestCertificate();
  const socket = ioClient(url, {
    transports: ['websocket'],
    ca: cert,
    forceNew: true,
    autoConnect: false,
    reconnection,
    reconnectionDelay: 50,
    reconnectionDelayMax: 200,
    auth: { ...auth },
  });
  cleanups.push(() => socket.disconnect());
  return socket;
}

/** The app's signaling client in a room, opened. */
async function member(url: string, auth: HandshakeAuth): Promise<SignalingClient> {
  const client = new SignalingClient(await socketFor(url, auth), { warn: () => undefined });
  cleanups.push(() => client.close());
  await client.open();
  return client;
}

/** Resolves with the next payload of `event` that satisfies `match`. */
function next<E extends EventName>(
  source: SignalingClient | SessionController,
  event: E,
  match: (payload: EventPayloads[E]) => boolean = () => true,
): Promise<EventPayloads[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${event}"`)), WAIT_MS);
    const off = source.on(event, (payload) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Every payload of `event`, as it comes. */
function record<E extends EventName>(
  source: SignalingClient | SessionController,
  event: E,
): EventPayloads[E][] {
  const seen: EventPayloads[E][] = [];
  source.on(event, (payload) => seen.push(payload));
  return seen;
}

/** The server's sockets holding peer id `id` (one, normally). */
function socketsOf(server: SignalingServer, id: PeerId) {
  return [...server.io.of('/').sockets.values()].filter((socket) => socket.data.peerId === id);
}

/** Cuts the TCP connection under peer `id`, as a network change would: no goodbye either way. */
function dropTransport(server: SignalingServer, id: PeerId): string {
  const [socket] = socketsOf(server, id);
  if (!socket) throw new Error(`no socket holds ${id}`);
  socket.request.socket.destroy();
  return socket.id;
}

/** A raw client admitted with `auth`: its `newUser` id, and its resume token if it got one. */
async function rawMember(
  url: string,
  auth: HandshakeAuth,
): Promise<{ socket: ClientSocket; id: PeerId; token: string | undefined }> {
  const socket = await socketFor(url, auth, false);
  let token: string | undefined;
  socket.on(Events.resume, (notice: ResumeNotice) => (token = notice.token));
  const listed = auth.name === undefined ? Promise.resolve() : nextEvent(socket, Events.peerList);
  const id = nextEvent(socket, Events.newUser);
  socket.connect();
  await listed;
  return { socket, id: (await id) as PeerId, token };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a peer id survives reconnection', () => {
  it('after a transport drop: same id, relays to it reach the new socket, nobody hears it leave', async () => {
    const server = await startServer({ limits: { resumeGraceMs: 1000 } });
    const ann = await member(server.url, { name: 'Ann' });
    const bob = await member(server.url, { name: 'Bob' });
    const annId = ann.self!.id;
    const bobId = bob.self!.id;
    const bobLeft = record(bob, 'peerLeft');

    const back = next(ann, 'connectionStatus', (status) => status.phase === 'connected');
    const oldSocket = dropTransport(server, annId);
    expect(await back).toEqual({ phase: 'connected', self: { id: annId, name: 'Ann' } });
    const [current] = socketsOf(server, annId);
    expect(current?.id).not.toBe(oldSocket);
    expect(ann.peers).toEqual([{ id: bobId, name: 'Bob' }]);

    const offered = next(ann, 'offer');
    await bob.send(Events.offer, { to: annId, offer: sampleOffer(1) });
    expect(await offered).toEqual({ offer: sampleOffer(1), from: bobId });
    const answered = next(bob, 'offer');
    await ann.send(Events.offer, { to: bobId, offer: sampleOffer(2) });
    expect(await answered).toEqual({ offer: sampleOffer(2), from: annId });
    // Past the grace period: the room never heard Ann leave, since she came back.
    await sleep(1500);
    expect(bobLeft).toEqual([]);
    expect(bob.peers).toEqual([{ id: annId, name: 'Ann' }]);
  });

  it('after a server restart on the same port: the restarted server knows nothing, yet both keep their ids', async () => {
    const first = await startServer();
    const room = { room: 'kitchen', key: newRoomKey() };
    const ann = await member(first.url, { ...room, name: 'Ann' });
    const bob = await member(first.url, { ...room, name: 'Bob' });
    const [annId, bobId] = [ann.self!.id, bob.self!.id];

    const annBack = next(ann, 'connectionStatus', (status) => status.phase === 'connected');
    const bobBack = next(bob, 'connectionStatus', (status) => status.phase === 'connected');
    await first.close();
    const second = await startServer({ port: first.port });
    expect((await annBack).self).toEqual({ id: annId, name: 'Ann' });
    expect((await bobBack).self).toEqual({ id: bobId, name: 'Bob' });
    await expect.poll(() => ann.peers).toEqual([{ id: bobId, name: 'Bob' }]);
    expect(socketsOf(second, annId).map((socket) => socket.id)).not.toEqual([annId]);

    const offered = next(bob, 'offer');
    await ann.send(Events.offer, { to: bobId, offer: sampleOffer(3) });
    expect(await offered).toEqual({ offer: sampleOffer(3), from: annId });
  });

  it('takes its id over from a connection the server has not seen drop yet', async () => {
    const server = await startServer();
    const ann = await rawMember(server.url, { name: 'Ann' });
    const bob = await member(server.url, { name: 'Bob' });
    const bobLeft = record(bob, 'peerLeft');
    expect(ann.token).toBeDefined();

    // The same client on a new connection (its old one, to the server, still looks alive).
    const again = await rawMember(server.url, { name: 'Ann', resume: ann.token! });
    expect(again.id).toBe(ann.id);
    expect(again.socket.id).not.toBe(ann.id);
    await expect.poll(() => ann.socket.connected).toBe(false);
    expect(socketsOf(server, ann.id).map((socket) => socket.id)).toEqual([again.socket.id]);

    const offered = nextEvent(again.socket, Events.offer);
    await bob.send(Events.offer, { to: ann.id, offer: sampleOffer(4) });
    expect(await offered).toEqual({ offer: sampleOffer(4), from: bob.self!.id });
    expect(bobLeft).toEqual([]);
  });

  it('is announced gone after the grace period when it does not come back, at once when it leaves', async () => {
    const server = await startServer({ limits: { resumeGraceMs: 400 } });
    const ann = await member(server.url, { name: 'Ann' });
    const dropped = await rawMember(server.url, { name: 'Dee' });
    const leaving = await rawMember(server.url, { name: 'Lee' });

    const droppedAt = performance.now();
    const deeLeft = next(ann, 'peerLeft', ({ id }) => id === dropped.id);
    dropTransport(server, dropped.id);
    await deeLeft;
    expect(performance.now() - droppedAt).toBeGreaterThanOrEqual(350);

    const leftAt = performance.now();
    const leeLeft = next(ann, 'peerLeft', ({ id }) => id === leaving.id);
    leaving.socket.disconnect();
    await leeLeft;
    expect(performance.now() - leftAt).toBeLessThan(350);
  });
});

describe('a resume token gains nothing but its own id', () => {
  it('ignores a forged, tampered, expired or other-room token: the client gets a fresh id', async () => {
    const server = await startServer();
    const red = { room: 'red', key: newRoomKey() };
    const blue = { room: 'blue', key: newRoomKey() };
    const ann = await rawMember(server.url, { ...red, name: 'Ann' });
    const eve = await rawMember(server.url, { ...red, name: 'Eve' });
    const [annPayload] = ann.token!.split('.');
    const [, eveSignature] = eve.token!.split('.');
    const tokens = new ResumeTokens((await getTestCertificate()).key);
    const day = 24 * 60 * 60 * 1000;

    const attempts: [string, HandshakeAuth][] = [
      ['forged', { ...red, resume: `${annPayload}.${'A'.repeat(43)}` }],
      ['tampered', { ...red, resume: `${annPayload}.${eveSignature}` }],
      ['expired', { ...red, resume: tokens.issue(ann.id, 'red', Date.now() - day - 1000) }],
      ['for another room', { ...blue, resume: ann.token! }],
      ['for the default room', { resume: ann.token! }],
    ];
    for (const [what, auth] of attempts) {
      const intruder = await rawMember(server.url, { ...auth, name: 'Mallory' });
      expect(intruder.id, what).toBe(intruder.socket.id);
      expect(intruder.id, what).not.toBe(ann.id);
      intruder.socket.disconnect();
    }
    // Ann was never disturbed: relays to her id still reach her first and only connection.
    expect(ann.socket.connected).toBe(true);
    const offered = nextEvent(ann.socket, Events.offer);
    eve.socket.emit(Events.offer, { to: ann.id, offer: sampleOffer(5) });
    expect(await offered).toEqual({ offer: sampleOffer(5), from: eve.id });
  });

  it('refuses a genuine token without the room key, and its owner resumes', async () => {
    const server = await startServer();
    const red = { room: 'red', key: newRoomKey() };
    const ann = await member(server.url, { ...red, name: 'Ann' });
    const bob = await member(server.url, { ...red, name: 'Bob' });
    const annId = ann.self!.id;
    const bobLeft = record(bob, 'peerLeft');
    // A genuine token of Ann's, as a thief who read it would hold it (signed with the server's key).
    const token = new ResumeTokens((await getTestCertificate()).key).issue(annId, 'red');

    const annStatuses = record(ann, 'connectionStatus');
    const thief = await socketFor(
      server.url,
      { room: 'red', key: newRoomKey(), name: 'Mallory', resume: token },
      false,
    );
    const refused = nextEvent(thief, 'connect_error');
    thief.connect();
    expect((await refused) as Error).toMatchObject({ data: { code: 'unauthorized' } });
    // The id was claimed before the key was refused, so Ann's transport was closed (see
    // identity.ts); she is back as herself, and the room heard nothing.
    await expect
      .poll(() => annStatuses.map((status) => status.phase))
      .toEqual(['reconnecting', 'connected']);
    expect(ann.connected).toBe(true);
    expect(ann.self).toEqual({ id: annId, name: 'Ann' });
    const offered = next(ann, 'offer');
    await bob.send(Events.offer, { to: annId, offer: sampleOffer(6) });
    expect(await offered).toMatchObject({ from: bob.self!.id });
    expect(bobLeft).toEqual([]);
  });
});

describe('resume tokens', () => {
  it('are checked by any server with the same key, in any PEM encoding, and by no other', async () => {
    const { key } = await getTestCertificate();
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const sec1 = createPrivateKey(key).export({ type: 'sec1', format: 'pem' }).toString();
    const token = new ResumeTokens(key).issue('peer-1', 'red');
    expect(new ResumeTokens(sec1).check(token, 'red')).toEqual({ ok: true, id: 'peer-1' });
    expect(new ResumeTokens(key).check(token, 'blue')).toEqual({ ok: false, reason: 'other-room' });
    expect(new ResumeTokens(key).check(token, null)).toEqual({ ok: false, reason: 'other-room' });
    expect(
      new ResumeTokens(other.export({ type: 'pkcs8', format: 'pem' }).toString()).check(
        token,
        'red',
      ),
    ).toEqual({ ok: false, reason: 'signature' });
    const later = Date.now() + RESUME_TOKEN_TTL_MS + 1;
    expect(new ResumeTokens(key).check(token, 'red', later)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('are validated in the handshake and the notice like every other field', async () => {
    const token = new ResumeTokens((await getTestCertificate()).key).issue('peer-1', null);
    expect(isResumeToken(token)).toBe(true);
    expect(validateHandshake({ name: 'Ann', resume: token })).toEqual({
      ok: true,
      value: { room: null, key: null, name: 'Ann', accessKey: null, resume: token },
    });
    for (const bad of ['', 'no-dot', `${token}.x`, 5, `${'a'.repeat(500)}.${'b'.repeat(43)}`]) {
      expect(validateHandshake({ resume: bad })).toMatchObject({
        ok: false,
        code: 'invalid-payload',
      });
    }
    expect(parseResumeNotice({ token })).toEqual({ token });
    expect(parseResumeNotice({ token: 'x' })).toBeNull();

    const server = await startServer();
    const refused = await socketFor(server.url, { name: 'Ann', resume: 'not a token' }, false);
    const error = nextEvent(refused, 'connect_error');
    refused.connect();
    expect(await error).toMatchObject({ data: { code: 'invalid-payload' } });
  });
});

describe('clients that do not resume', () => {
  it('gives a tutorial client newUser with its socket id, no token, and relays as before', async () => {
    const server = await startServer();
    const tutorial = await socketFor(server.url, {}, false);
    const seen: string[] = [];
    tutorial.onAny((event: string) => seen.push(event));
    const id = nextEvent(tutorial, Events.newUser);
    tutorial.connect();
    expect(await id).toBe(tutorial.id);
    const ann = await member(server.url, { name: 'Ann' });

    const offered = nextEvent(tutorial, Events.offer);
    await ann.send(Events.offer, { to: tutorial.id!, offer: sampleOffer(7) });
    expect(await offered).toEqual({ offer: sampleOffer(7), from: ann.self!.id });
    const answered = next(ann, 'answer');
    tutorial.emit(Events.answer, {
      answer: { type: 'answer', sdp: sampleOffer(8).sdp },
      to: ann.self!.id,
    });
    expect(await answered).toMatchObject({ from: tutorial.id });
    expect(seen).toEqual([Events.newUser, Events.offer]);
  });
});

describe('the desktop session', () => {
  it('resumes its peer id after a transient disconnect', async () => {
    const server = await startServer({ defaultRoom: false, openRooms: false });
    const { room, key } = server.createRoom();
    const dir = await cleanups.tempDir('appel-identity-');
    const session = new SessionController({
      userDataDir: dir,
      logger: silentLogger,
      serverLogger: silentLogger,
    });
    cleanups.push(() => session.leave());
    const invite = formatInvite({ url: server.url, room, key, fingerprint: server.fingerprint });
    const joined = await session.join({ url: invite, name: 'Dana' });
    const bob = await member(server.url, { room, key, name: 'Bob' });
    const statuses = record(session, 'connectionStatus');

    const back = next(session, 'connectionStatus', (status) => status.phase === 'connected');
    dropTransport(server, joined.self.id);
    expect(await back).toEqual({ phase: 'connected', self: joined.self });
    expect(statuses.map((status) => status.phase)).toContain('reconnecting');
    expect(session.session?.self).toEqual(joined.self);

    const offered = next(session, 'offer');
    await bob.send(Events.offer, { to: joined.self.id, offer: sampleOffer(9) });
    expect(await offered).toEqual({ offer: sampleOffer(9), from: bob.self!.id });
  });
});
