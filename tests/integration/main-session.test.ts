/**
 * The host/join controller over the real embedded server: hosting with port fallback, joining by
 * invite, relaying through the server, and the trust-on-first-use refusal.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../preload/bridge-api.js';
import type { EventName, EventPayloads } from '../../preload/ipc-contract.js';
import { probeCertificate } from '../../main/pinned-client.js';
import { FINGERPRINT_REQUIRED, parseInvite, SessionController } from '../../main/session.js';
import { silentLogger } from '../../signaling-server/log.js';
import { createCleanups } from '../support/cleanups.js';

const OFFER = { type: 'offer' as const, sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n' };

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
  session: SessionController,
  event: E,
  match: (payload: EventPayloads[E]) => boolean = () => true,
): Promise<EventPayloads[E]> {
  return new Promise((resolve) => {
    const off = session.on(event, (payload) => {
      if (!match(payload)) return;
      off();
      resolve(payload);
    });
  });
}

async function occupyPort(): Promise<number> {
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const address = blocker.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

describe('parseInvite', () => {
  it('splits an invite into origin and canonical fingerprint', () => {
    const fp = 'ab'.repeat(32);
    expect(parseInvite(` https://10.0.0.2:8443/#fp=${fp} `)).toEqual({
      url: 'https://10.0.0.2:8443',
      fingerprint: 'AB:'.repeat(31) + 'AB',
    });
  });

  it('accepts host:port without a scheme, and no fingerprint', () => {
    expect(parseInvite('192.168.1.5:8443')).toEqual({
      url: 'https://192.168.1.5:8443',
      fingerprint: null,
    });
  });

  it('refuses http:// and a malformed fingerprint', () => {
    expect(() => parseInvite('http://10.0.0.2:8443')).toThrow('is not an https:// address');
    expect(() => parseInvite('https://10.0.0.2:8443/#fp=1234')).toThrow(
      'is not a SHA-256 certificate fingerprint',
    );
  });
});

describe('SessionController', () => {
  it('hosts on a free port when the configured one is taken, and a guest joins by invite', async () => {
    const hostDir = await tempDir();
    const busyPort = await occupyPort();
    await writeFile(join(hostDir, 'settings.json'), JSON.stringify({ port: busyPort }));
    const host = await controller(hostDir);
    const statuses: ConnectionStatus[] = [];
    host.on('connectionStatus', (status) => statuses.push(status));

    const hosted = await host.host();
    expect(hosted.mode).toBe('host');
    expect(hosted.host?.port).not.toBe(busyPort);
    expect(hosted.host?.urls).toEqual([`https://127.0.0.1:${hosted.host?.port}`]);
    expect(hosted.host?.invite).toBe(
      `https://127.0.0.1:${hosted.host?.port}/#fp=${hosted.host?.fingerprint}`,
    );
    expect(hosted.fingerprint).toBe(hosted.host?.fingerprint);
    expect(statuses).toEqual([
      { phase: 'connecting' },
      { phase: 'connected', selfId: hosted.selfId },
    ]);
    // The certificate is kept in userData/certificates.
    await expect(readFile(join(hostDir, 'certificates', 'cert.pem'), 'utf8')).resolves.toMatch(
      /BEGIN CERTIFICATE/,
    );
    // Hosting again while hosting keeps the running session.
    await expect(host.host()).resolves.toEqual(hosted);

    const guest = await controller();
    const guestListed = next(guest, 'peerList');
    const hostSawGuest = next(host, 'peerJoined');
    const joined = await guest.join({ url: hosted.host?.invite ?? '' });
    expect(joined).toMatchObject({
      mode: 'join',
      url: hosted.url,
      fingerprint: hosted.fingerprint,
    });
    await expect(guestListed).resolves.toEqual({ peers: [hosted.selfId] });
    await expect(hostSawGuest).resolves.toEqual({ id: joined.selfId });
    // A reloaded host page hosting again hears who is already here.
    const relisted = next(host, 'peerList');
    await expect(host.host()).resolves.toEqual(hosted);
    await expect(relisted).resolves.toEqual({ peers: [joined.selfId] });

    // An offer travels guest → server → host with `from` stamped by the server.
    const offered = next(host, 'offer');
    await guest.sendOffer(hosted.selfId, OFFER);
    await expect(offered).resolves.toEqual({ offer: OFFER, from: joined.selfId });

    const answered = next(guest, 'answer');
    await host.sendAnswer(joined.selfId, { type: 'answer', sdp: OFFER.sdp });
    await expect(answered).resolves.toEqual({
      answer: { type: 'answer', sdp: OFFER.sdp },
      from: hosted.selfId,
    });

    const candidate = { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' };
    const trickled = next(host, 'candidate');
    await guest.sendCandidate(hosted.selfId, candidate);
    await expect(trickled).resolves.toEqual({ candidate, from: joined.selfId });

    const hungUp = next(guest, 'hangUp');
    await host.sendHangUp(joined.selfId);
    await expect(hungUp).resolves.toEqual({ from: hosted.selfId });

    // Leaving stops the embedded server: the guest hears it go, nothing answers any more.
    const guestLost = next(guest, 'connectionStatus', (s) => s.phase !== 'connected');
    await host.leave();
    expect(statuses.at(-1)).toEqual({ phase: 'closed' });
    await expect(guestLost).resolves.toMatchObject({ phase: 'reconnecting' });
    await expect(probeCertificate(hosted.url)).rejects.toThrow('Cannot reach');
  });

  it('rejects join without a fingerprint, naming the one the server presents', async () => {
    const host = await controller();
    const hosted = await host.host();
    const guest = await controller();
    const attempt = guest.join({ url: hosted.url });
    await expect(attempt).rejects.toThrow(
      `${FINGERPRINT_REQUIRED}: The server at ${hosted.url} presents certificate SHA-256 ` +
        `${hosted.fingerprint}.`,
    );
    expect(guest.session).toBeNull();
    // The page then probes, asks the user, and joins with the fingerprint.
    const probe = await guest.probeCertificate(hosted.url);
    await expect(
      guest.join({ url: hosted.url, fingerprint: probe.fingerprint }),
    ).resolves.toMatchObject({ mode: 'join' });
  });

  it('remembers a trusted server, and refuses it once its certificate changed', async () => {
    const firstHost = await controller();
    const first = await firstHost.host();
    const guestDir = await tempDir();
    const guest = await controller(guestDir);
    await guest.join({ url: first.url, fingerprint: first.fingerprint ?? '' });
    expect(JSON.parse(await readFile(join(guestDir, 'trusted-servers.json'), 'utf8'))).toEqual({
      [first.url]: first.fingerprint,
    });
    await guest.leave();

    // Trusted before: the bare address joins without asking.
    await expect(guest.join({ url: first.url })).resolves.toMatchObject({
      fingerprint: first.fingerprint,
    });
    await guest.leave();

    // Another machine (another certificate) now answers at the same address.
    await firstHost.leave();
    const secondDir = await tempDir();
    await writeFile(join(secondDir, 'settings.json'), JSON.stringify({ port: first.host?.port }));
    const second = await (await controller(secondDir)).host();
    expect(second.url).toBe(first.url);
    await expect(guest.join({ url: first.url })).rejects.toThrow(
      `The server at ${first.url} presents certificate SHA-256 ${second.fingerprint}, ` +
        `but you trusted ${first.fingerprint}. Refusing to connect.`,
    );
  });

  it('refuses a fingerprint that is not the server’s', async () => {
    const host = await controller();
    const hosted = await host.host();
    const guest = await controller();
    const wrong = '00:'.repeat(31) + '00';
    await expect(guest.join({ url: hosted.url, fingerprint: wrong })).rejects.toThrow(
      `presents certificate SHA-256 ${hosted.fingerprint}, but you trusted ${wrong}. ` +
        'Refusing to connect.',
    );
  });

  it('passes on the server’s refusal and refuses to send before connecting', async () => {
    const host = await controller();
    await expect(host.sendOffer('nobody', OFFER)).rejects.toThrow(
      'Not connected to a signaling server',
    );
    await host.host();
    await expect(host.sendOffer('nobody-here', OFFER)).rejects.toThrow(
      'No peer "nobody-here" is connected',
    );
    await expect(host.sendOffer('x', { type: 'offer', sdp: 'not an sdp' })).rejects.toThrow(
      '"offer.sdp" is not an SDP session',
    );
  });
});
