/**
 * The host/join controller over the real embedded server and real pinned sockets: hosting a
 * private room with port fallback, joining by invite, refusals that teach a stranger nothing,
 * re-keying, failed joins that leave hosting alone, sends that fail with their real cause, and
 * the pins a guest keeps.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { io as ioClient } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { JoinRequest, SessionInfo } from '../../common/bridge-api.js';
import { formatInvite, parseInvite } from '../../common/invite.js';
import type { EventName, EventPayloads } from '../../common/ipc-contract.js';
import type { PeerList } from '../../common/protocol.js';
import { SignalingClient } from '../../common/signaling-client.js';
import { probeCertificate } from '../../main/pinned-client.js';
import { SessionController } from '../../main/session.js';
import { TRUST_FILE } from '../../main/trust-store.js';
import { silentLogger } from '../../signaling-server/log.js';
import { createSignalingServer } from '../../signaling-server/server.js';
import { createCleanups } from '../support/cleanups.js';
import { getTestCertificate } from '../support/server-harness.js';
import { sampleAnswer, sampleCandidate, sampleOffer } from '../support/signaling-fixtures.js';

const WAIT_MS = 5000;
const OFFER = sampleOffer(1);

const cleanups = createCleanups();
afterEach(() => cleanups.run());

function tempDir(): Promise<string> {
  return cleanups.tempDir('appel-session-');
}

/**
 * A controller on loopback. A fresh userData gets `port: 0`, so parallel test files never race
 * for the default port; pass a prepared one to choose.
 */
async function controller(userDataDir?: string): Promise<SessionController> {
  let dir = userDataDir;
  if (!dir) {
    dir = await tempDir();
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ port: 0 }));
  }
  const session = new SessionController({
    userDataDir: dir,
    bindHost: '127.0.0.1',
    logger: silentLogger,
    serverLogger: silentLogger,
  });
  cleanups.push(() => session.leave());
  return session;
}

/** Resolves with the next payload of `event` that satisfies `match`. */
function next<E extends EventName>(
  session: SessionController | SignalingClient,
  event: E,
  match: (payload: EventPayloads[E]) => boolean = () => true,
): Promise<EventPayloads[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${event}"`)), WAIT_MS);
    const off = session.on(event, (payload) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Records every payload of `event`. */
function record<E extends EventName>(session: SessionController, event: E): EventPayloads[E][] {
  const seen: EventPayloads[E][] = [];
  session.on(event, (payload) => seen.push(payload));
  return seen;
}

async function occupyPort(): Promise<number> {
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const address = blocker.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

/** A port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const probe: Server = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

/** The invite's key with its last character changed. */
function alteredKey(invite: string): string {
  const key = parseInvite(invite).key ?? '';
  return `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
}

/** The hosted session's invite; fails the test when there is none. */
function inviteOf(session: SessionInfo): string {
  if (!session.host) throw new Error('not hosting');
  return session.host.invite;
}

/** The invite with its fragment rebuilt from `fields` (a missing value drops the field). */
function withFragment(invite: string, fields: Record<string, string | null>): string {
  const url = new URL(invite);
  const fragment = new URLSearchParams(url.hash.slice(1));
  for (const [name, value] of Object.entries(fields)) {
    if (value === null) fragment.delete(name);
    else fragment.set(name, value);
  }
  return `${url.origin}/#${fragment.toString().replace(/%3A/g, ':')}`;
}

/** Joins as a stranger would and expects a refusal; returns it and what the stranger heard. */
async function refusedJoin(
  request: string | Omit<JoinRequest, 'name'>,
): Promise<{ error: Error; lists: PeerList[]; guest: SessionController }> {
  const guest = await controller();
  const lists = record(guest, 'peerList');
  const fields = typeof request === 'string' ? { url: request } : request;
  const error = await guest.join({ ...fields, name: 'Mallory' }).then(
    () => {
      throw new Error('admitted, expected a refusal');
    },
    (reason: unknown) => reason as Error,
  );
  return { error, lists, guest };
}

describe('SessionController.host', () => {
  it('hosts a private room on a free port when the configured one is taken', async () => {
    const hostDir = await tempDir();
    const busyPort = await occupyPort();
    await writeFile(join(hostDir, 'settings.json'), JSON.stringify({ port: busyPort }));
    const host = await controller(hostDir);
    const statuses = record(host, 'connectionStatus');

    const hosted = await host.host({ name: '  Ann   Host ' });
    const info = hosted.host;
    if (!info) throw new Error('no host info');
    expect(hosted).toMatchObject({
      mode: 'host',
      self: { name: 'Ann Host' },
      room: info.room,
      url: `https://127.0.0.1:${info.port}`,
      fingerprint: info.fingerprint,
    });
    expect(info.port).not.toBe(busyPort);
    expect(info.urls).toEqual([`https://127.0.0.1:${info.port}`]);
    // The attempt itself is not reported (a failed one must not disturb the page), its outcome is.
    expect(statuses).toEqual([{ phase: 'connected', self: hosted.self }]);
    // The certificate is kept in userData/certificates.
    await expect(readFile(join(hostDir, 'certificates', 'cert.pem'), 'utf8')).resolves.toMatch(
      /BEGIN CERTIFICATE/,
    );
    // Hosting again while hosting keeps the running session.
    await expect(host.host({ name: 'Someone else' })).resolves.toEqual({
      ...hosted,
      notice: 'You are already hosting as Ann Host; leave first to use another name.',
    });
  });

  it('hands out an invite with the room, a 128-bit+ key and the public fingerprint in its fragment', async () => {
    const host = await controller();
    const hosted = await host.host({ name: 'Ann' });
    const info = hosted.host;
    if (!info) throw new Error('no host info');
    const invite = new URL(info.invite);
    expect(`${invite.origin}/`).toBe(`${info.urls[0]}/`);
    expect(invite.pathname).toBe('/');
    expect(invite.search).toBe('');
    const fragment = new URLSearchParams(invite.hash.slice(1));
    expect([...fragment.keys()]).toEqual(['room', 'key', 'fp']);
    const key = fragment.get('key') ?? '';
    expect(fragment.get('room')).toBe(info.room);
    expect(key).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(key, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(fragment.get('fp')).toBe(info.fingerprint);
    expect(key).not.toBe(info.fingerprint);
    expect(info.fingerprint).not.toContain(key);
    // Nothing secret before the fragment.
    expect(info.invite.split('#')[0]).not.toContain(key);
    expect(parseInvite(info.invite)).toEqual({
      url: hosted.url,
      room: info.room,
      key,
      fingerprint: info.fingerprint,
    });
  });

  it('admits a guest with the invite: both see each other by name, and signaling flows', async () => {
    const host = await controller();
    const hosted = await host.host({ name: 'Ann' });
    const guest = await controller();
    const guestListed = next(guest, 'peerList');
    const hostSawGuest = next(host, 'peerJoined');
    const joined = await guest.join({ url: inviteOf(hosted), name: 'Bob' });
    expect(joined).toMatchObject({
      mode: 'join',
      self: { name: 'Bob' },
      room: hosted.room,
      url: hosted.url,
      fingerprint: hosted.fingerprint,
    });
    expect(joined.host).toBeUndefined();
    await expect(guestListed).resolves.toEqual({
      room: hosted.room,
      self: joined.self,
      peers: [hosted.self],
    });
    await expect(hostSawGuest).resolves.toEqual(joined.self);

    // A reloaded host page hosting again hears who is already here.
    const relisted = next(host, 'peerList');
    await expect(host.host({ name: 'Ann' })).resolves.toEqual(hosted);
    await expect(relisted).resolves.toEqual({
      room: hosted.room,
      self: hosted.self,
      peers: [joined.self],
    });

    // Every relay travels through the server with `from` stamped by it.
    const offered = next(host, 'offer');
    await guest.sendOffer(hosted.self.id, OFFER);
    await expect(offered).resolves.toEqual({ offer: OFFER, from: joined.self.id });

    const ringing = next(guest, 'ringing');
    await host.sendRinging(joined.self.id);
    await expect(ringing).resolves.toEqual({ from: hosted.self.id });

    const answered = next(guest, 'answer');
    await host.sendAnswer(joined.self.id, sampleAnswer(1));
    await expect(answered).resolves.toEqual({ answer: sampleAnswer(1), from: hosted.self.id });

    const trickled = next(host, 'candidate');
    await guest.sendCandidate(hosted.self.id, sampleCandidate(1));
    await expect(trickled).resolves.toEqual({
      candidate: sampleCandidate(1),
      from: joined.self.id,
    });

    const declined = next(guest, 'hangUp');
    await host.sendHangUp(joined.self.id, 'declined');
    await expect(declined).resolves.toEqual({ from: hosted.self.id, reason: 'declined' });
    const hungUp = next(host, 'hangUp');
    await guest.sendHangUp(hosted.self.id);
    await expect(hungUp).resolves.toEqual({ from: joined.self.id });

    // The guest leaving is announced.
    const left = next(host, 'peerLeft');
    await guest.leave();
    await expect(left).resolves.toEqual({ id: joined.self.id });
  });

  it('stops the server on leave: the guest hears it go and nothing answers any more', async () => {
    const host = await controller();
    const hosted = await host.host({ name: 'Ann' });
    const statuses = record(host, 'connectionStatus');
    const guest = await controller();
    await guest.join({ url: inviteOf(hosted), name: 'Bob' });
    const guestLost = next(guest, 'connectionStatus', (status) => status.phase !== 'connected');
    await host.leave();
    expect(host.session).toBeNull();
    expect(statuses.at(-1)).toEqual({ phase: 'closed' });
    await expect(guestLost).resolves.toMatchObject({ phase: 'reconnecting' });
    await expect(probeCertificate(hosted.url)).rejects.toThrow('Cannot reach');
  });

  it.each([
    [
      'the key removed',
      (invite: string, room: string) => ({
        url: withFragment(invite, { room: null, key: null }),
        room,
      }),
      /^unauthorized: This server admits invited people only/,
    ],
    [
      'the key altered',
      (invite: string) => ({ url: withFragment(invite, { key: alteredKey(invite) }) }),
      /^unauthorized: This room does not open with that key/,
    ],
    [
      'another room named',
      (invite: string) => ({ url: withFragment(invite, { room: 'not-the-room' }) }),
      /^unauthorized: This room does not open with that key/,
    ],
  ])(
    'refuses a guest with %s as unauthorized; the guest learns nothing',
    async (_, edit, words) => {
      const host = await controller();
      const hosted = await host.host({ name: 'Ann' });
      const hostHeard = record(host, 'peerJoined');
      const { error, lists, guest } = await refusedJoin(edit(inviteOf(hosted), hosted.room ?? ''));
      expect(error.message).toMatch(words);
      expect(error).toMatchObject({ name: 'CodedError', code: 'unauthorized' });
      expect(lists).toEqual([]);
      expect(guest.session).toBeNull();
      expect(hostHeard).toEqual([]);
    },
  );

  it('refuses an invite cut short before it reaches the server', async () => {
    const host = await controller();
    const hosted = await host.host({ name: 'Ann' });
    const guest = await controller();
    await expect(
      guest.join({ url: withFragment(inviteOf(hosted), { key: null }), name: 'Bob' }),
    ).rejects.toThrow('This invite has no valid key: ask the host for a new one.');
    expect(guest.session).toBeNull();
  });

  it('re-keys on newInvite: the old invite is refused, the new one admits, members stay', async () => {
    const host = await controller();
    const hosted = await host.host({ name: 'Ann' });
    const oldInvite = inviteOf(hosted);
    const early = await controller();
    const earlyInfo = await early.join({ url: oldInvite, name: 'Early' });

    const renewed = await host.newInvite();
    expect(renewed).toMatchObject({
      room: hosted.room,
      fingerprint: hosted.fingerprint,
      port: hosted.host?.port,
    });
    expect(renewed.invite).not.toBe(oldInvite);
    expect(parseInvite(renewed.invite).key).not.toBe(parseInvite(oldInvite).key);
    expect(host.session?.host).toEqual(renewed);

    const stale = await refusedJoin(oldInvite);
    expect(stale.error.message).toMatch(/^unauthorized: /);
    expect(stale.lists).toEqual([]);

    const hostSawLate = next(host, 'peerJoined');
    const late = await controller();
    const lateListed = next(late, 'peerList');
    const lateInfo = await late.join({ url: renewed.invite, name: 'Late' });
    await expect(hostSawLate).resolves.toEqual(lateInfo.self);
    const list = await lateListed;
    expect(list.peers).toHaveLength(2);
    expect(list.peers).toEqual(expect.arrayContaining([hosted.self, earlyInfo.self]));

    // The guest who joined with the old invite is still here and still reachable.
    expect(early.session?.mode).toBe('join');
    const offered = next(early, 'offer');
    await host.sendOffer(earlyInfo.self.id, OFFER);
    await expect(offered).resolves.toEqual({ offer: OFFER, from: hosted.self.id });
  });

  it('refuses newInvite when not hosting', async () => {
    const session = await controller();
    await expect(session.newInvite()).rejects.toThrow('Not hosting');
  });
});

describe('a failed join while hosting', () => {
  it('leaves hosting running: the room still admits its invite', async () => {
    const host = await controller();
    const hosted = await host.host({ name: 'Ann' });
    const guest = await controller();
    const guestInfo = await guest.join({ url: inviteOf(hosted), name: 'Bob' });
    const closed = record(host, 'connectionStatus');
    const unreachable = `https://127.0.0.1:${await closedPort()}`;
    const wrong = '00:'.repeat(31) + '00';

    await expect(host.join({ url: unreachable, name: 'Ann', fingerprint: wrong })).rejects.toThrow(
      `Cannot reach ${unreachable}`,
    );
    await expect(host.join({ url: 'not a url at all', name: 'Ann' })).rejects.toThrow(
      'is not an invite or a server address',
    );
    await expect(host.join({ url: hosted.url, name: 'Ann', fingerprint: wrong })).rejects.toThrow(
      `but you trusted ${wrong}. Refusing to connect.`,
    );
    await expect(
      host.join({
        url: withFragment(inviteOf(hosted), { key: alteredKey(inviteOf(hosted)) }),
        name: 'Ann',
      }),
    ).rejects.toThrow(/^unauthorized: /);

    expect(host.session).toEqual(hosted);
    expect(closed).toEqual([]);
    // The guest is still in the room with the host, and the invite still admits.
    const offered = next(guest, 'offer');
    await host.sendOffer(guestInfo.self.id, OFFER);
    await expect(offered).resolves.toEqual({ offer: OFFER, from: hosted.self.id });
    const another = await controller();
    await expect(another.join({ url: inviteOf(hosted), name: 'Cy' })).resolves.toMatchObject({
      mode: 'join',
      room: hosted.room,
    });
  });
});

describe('a send that fails', () => {
  it('says why: not connected, unknown peer, a bad payload', async () => {
    const host = await controller();
    await expect(host.sendOffer('nobody', OFFER)).rejects.toThrow(
      /^disconnected: Not connected to a signaling server/,
    );
    await host.host({ name: 'Ann' });
    await expect(host.sendOffer('nobody-here', OFFER)).rejects.toThrow(
      'unknown-peer: No peer "nobody-here" is connected',
    );
    await expect(host.sendOffer('x', { type: 'offer', sdp: 'not an sdp' })).rejects.toThrow(
      'invalid-payload: "offer.sdp" is not an SDP session',
    );
  });

  it('is forbidden to reach a member of another room, and disconnected once the server is gone', async () => {
    const tls = await getTestCertificate();
    const server = await createSignalingServer({
      host: '127.0.0.1',
      port: 0,
      tls,
      logger: silentLogger,
    });
    cleanups.push(() => server.close());
    const ours = server.createRoom();
    const theirs = server.createRoom();
    // A member of the other room, on a plain socket.
    const stranger = ioClient(server.url, {
      transports: ['websocket'],
      ca: tls.cert,
      forceNew: true,
      reconnection: false,
      autoConnect: false,
      auth: { ...theirs, name: 'Stranger' },
    });
    const strangerClient = new SignalingClient(stranger, { warn: () => undefined });
    cleanups.push(() => strangerClient.close());
    const strangerWelcome = await strangerClient.open();

    const guest = await controller();
    const joined = await guest.join({
      url: formatInvite({ url: server.url, ...ours, fingerprint: server.fingerprint }),
      name: 'Bob',
    });
    expect(joined.room).toBe(ours.room);
    await expect(guest.sendOffer(strangerWelcome.self.id, OFFER)).rejects.toThrow(
      `forbidden: Peer "${strangerWelcome.self.id}" is not in your room`,
    );

    const lost = next(guest, 'connectionStatus', (status) => status.phase === 'reconnecting');
    await server.close();
    await lost;
    await expect(guest.sendOffer(strangerWelcome.self.id, OFFER)).rejects.toThrow(
      /^disconnected: /,
    );
  });
});

describe('pins', () => {
  /** A host on `port` with its own certificate. */
  async function hostOn(port: number): Promise<{ host: SessionController; info: SessionInfo }> {
    const dir = await tempDir();
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ port }));
    const host = await controller(dir);
    return { host, info: await host.host({ name: 'Host' }) };
  }

  async function pinsOf(dir: string): Promise<unknown> {
    return JSON.parse(await readFile(join(dir, TRUST_FILE), 'utf8')) as unknown;
  }

  it('rejects a bare address with no pin as fingerprint-required, naming the server’s', async () => {
    const host = await controller();
    const hosted = await host.host({ name: 'Ann' });
    const guest = await controller();
    await expect(guest.join({ url: hosted.url, name: 'Bob' })).rejects.toThrow(
      `fingerprint-required: The server at ${hosted.url} presents certificate SHA-256 ` +
        `${hosted.fingerprint}.`,
    );
    expect(guest.session).toBeNull();
    // The page then probes, asks the user, and joins with the fingerprint and the room.
    const probe = await guest.probeCertificate(inviteOf(hosted));
    expect(probe.fingerprint).toBe(hosted.fingerprint);
    const { room, key } = parseInvite(inviteOf(hosted));
    await expect(
      guest.join({ url: hosted.url, name: 'Bob', fingerprint: probe.fingerprint, room, key }),
    ).resolves.toMatchObject({ mode: 'join', room: hosted.room });
  });

  it('remembers a trusted server and uses the pin for a later bare address', async () => {
    const host = await controller();
    const hosted = await host.host({ name: 'Ann' });
    const guestDir = await tempDir();
    const guest = await controller(guestDir);
    await guest.join({ url: inviteOf(hosted), name: 'Bob' });
    await expect(pinsOf(guestDir)).resolves.toEqual({ [hosted.url]: hosted.fingerprint });
    await guest.leave();

    // Trusted before: the bare address needs no fingerprint (the room key still does).
    const { room, key } = parseInvite(inviteOf(hosted));
    await expect(guest.join({ url: hosted.url, name: 'Bob', room, key })).resolves.toMatchObject({
      fingerprint: hosted.fingerprint,
    });
  });

  it('refuses a changed certificate: fingerprint-changed for an invite, refused for the pin', async () => {
    const { host: firstHost, info: first } = await hostOn(0);
    const guestDir = await tempDir();
    const guest = await controller(guestDir);
    await guest.join({ url: inviteOf(first), name: 'Bob' });
    await guest.leave();
    const pinned = await readFile(join(guestDir, TRUST_FILE), 'utf8');
    const firstFingerprint = first.fingerprint;
    const { room, key } = parseInvite(inviteOf(first));

    // Another machine (another certificate) now answers at the same address.
    await firstHost.leave();
    const { info: second } = await hostOn(first.host?.port ?? 0);
    expect(second.url).toBe(first.url);
    const secondInvite = inviteOf(second);

    // Joining by the pin alone: TLS meets another certificate, and says so.
    await expect(guest.join({ url: first.url, name: 'Bob', room, key })).rejects.toThrow(
      `The server at ${first.url} presents certificate SHA-256 ${second.fingerprint}, ` +
        `but you trusted ${firstFingerprint}. Refusing to connect.`,
    );
    // Joining by the new invite: the invite's fingerprint differs from the pin; ask first.
    const changed = guest.join({ url: secondInvite, name: 'Bob' });
    await expect(changed).rejects.toThrow(/^fingerprint-changed: /);
    await expect(changed).rejects.toThrow(
      `You trusted ${first.url} with certificate SHA-256 ${firstFingerprint}, but this invite names ` +
        `${second.fingerprint}.`,
    );
    expect(guest.session).toBeNull();
    await expect(readFile(join(guestDir, TRUST_FILE), 'utf8')).resolves.toBe(pinned);

    // The user confirmed: the pin is replaced and the join goes through.
    await expect(
      guest.join({ url: secondInvite, name: 'Bob', replacePin: true }),
    ).resolves.toMatchObject({ mode: 'join', fingerprint: second.fingerprint });
    await expect(pinsOf(guestDir)).resolves.toEqual({ [first.url]: second.fingerprint });
  });
});
