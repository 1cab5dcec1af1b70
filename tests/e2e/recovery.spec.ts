/**
 * Calls that survive what real networks do to them, with two real Chromium peers:
 * - the TURN server carrying a relay-only call goes away and comes back on the same port: the
 *   call says "reconnecting", restarts ICE on the same RTCPeerConnection and comes back by
 *   itself; when it does not come back within the bound, the call ends with the reason;
 * - the signaling server (the real appel-signal child process) restarts mid-call: media keeps
 *   flowing meanwhile, both pages reconnect as the same peers, and the next call connects.
 * Recovery times are attached to each test as annotations.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import { io, type Socket } from 'socket.io-client';
import { Events, type PeerList } from '../../common/protocol.js';
import { startAppelSignal, type AppelSignal } from '../support/appel-signal.js';
import { chromiumArgs, chromiumExecutable } from '../support/chromium.js';
import { startCoturn, type Coturn } from '../support/coturn.js';
import {
  acceptCall,
  callPeer,
  callStatus,
  forceRelayOnly,
  framesDecodedAnywhere,
  inboundStats,
  joinAs,
  localIce,
  openPeer,
  type PeerPage,
} from './support/page-helpers.js';

/** Every server of this file keeps its certificate here, so one browser trusts them all. */
let dataDir: string;
let certPem: string;
let browser: Browser;
/** What each test started, stopped when it ends (pass or fail). */
let stops: (() => Promise<void>)[] = [];

test.beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'appel-recovery-'));
  // A first start generates the certificate the browser is told to trust.
  const first = await startAppelSignal({ dataDir });
  certPem = first.certPem;
  await first.stop();
  browser = await chromium.launch({
    executablePath: chromiumExecutable(),
    args: chromiumArgs({ trustCertPem: certPem }),
  });
});

test.afterEach(async () => {
  for (const stop of stops.reverse()) await stop();
  stops = [];
});

test.afterAll(async () => {
  await browser?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function signal(args: string[] = []): Promise<AppelSignal> {
  const server = await startAppelSignal({ dataDir, args });
  stops.push(() => server.stop());
  return server;
}

async function coturnOn(options: Parameters<typeof startCoturn>[0] = {}): Promise<Coturn> {
  const coturn = await startCoturn(options);
  stops.push(() => coturn.stop());
  return coturn;
}

async function open(url: string, relay = false): Promise<PeerPage> {
  const peer = await openPeer(browser, url, { noJoin: relay });
  stops.push(() => peer.context.close());
  if (relay) {
    await peer.context.addInitScript(forceRelayOnly);
    await peer.page.reload();
    await joinAs(peer.page, peer.name);
  }
  return peer;
}

function peerConnectionCount(page: Page): Promise<number> {
  return page.evaluate(() => window.__appelTestPeerConnections?.length ?? 0);
}

/** Places a call from `a` to `b` and waits until video flows both ways. */
async function callAndConnect(a: PeerPage, b: PeerPage): Promise<void> {
  await callPeer(a.page, b.name);
  await acceptCall(b.page, a.name);
  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);
  await expect(callStatus(b.page)).toHaveText(`In call with ${a.name}`);
  for (const { page } of [a, b]) {
    await expect.poll(async () => (await inboundStats(page)).framesDecoded).toBeGreaterThan(0);
  }
}

/** A relay-only call through a coturn that the test can stop, on a server minting its credentials. */
async function relayCall(): Promise<{ coturn: Coturn; a: PeerPage; b: PeerPage }> {
  const coturn = await coturnOn();
  const server = await signal(['--turn-secret', coturn.secret, '--turn-urls', coturn.url]);
  const a = await open(`${server.url}/`, true);
  const b = await open(`${server.url}/`, true);
  await callAndConnect(a, b);
  return { coturn, a, b };
}

function note(type: string, description: string): void {
  test.info().annotations.push({ type, description });
  console.log(`${type}: ${description}`);
}

test.describe('ICE restart in place', () => {
  test('the TURN server goes away and comes back: the call restarts ICE and recovers by itself', async () => {
    test.setTimeout(120_000);
    const { coturn, a, b } = await relayCall();
    const before = await Promise.all([localIce(a.page), localIce(b.page)]);

    const stoppedAt = Date.now();
    await coturn.stop();
    for (const [page, other] of [
      [a.page, b.name],
      [b.page, a.name],
    ] as const) {
      await expect(callStatus(page)).toHaveText(
        `Connection lost, reconnecting… (call with ${other})`,
        { timeout: 15_000 },
      );
    }
    const noticedMs = Date.now() - stoppedAt;
    const frames = await Promise.all([
      framesDecodedAnywhere(a.page),
      framesDecodedAnywhere(b.page),
    ]);

    // The same coturn comes back where it was: the credentials the server minted still hold.
    const restartedAt = Date.now();
    await coturnOn({
      port: coturn.port,
      relayPortRange: coturn.relayPortRange,
      secret: coturn.secret,
      realm: coturn.realm,
    });
    await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`, { timeout: 20_000 });
    await expect(callStatus(b.page)).toHaveText(`In call with ${a.name}`, { timeout: 20_000 });
    const recoveredMs = Date.now() - restartedAt;
    for (const [i, { page }] of [a, b].entries()) {
      await expect.poll(() => framesDecodedAnywhere(page)).toBeGreaterThan(frames[i]!);
      // An ICE restart (new credentials) on the very same RTCPeerConnection: no new call.
      expect(await peerConnectionCount(page)).toBe(1);
      // A ufrag may hold '+' and '/': compare it as text, never as a pattern.
      const ice = await localIce(page);
      expect(ice.signaling).toBe('stable');
      expect(ice.ufrag).not.toBe(before[i]!.ufrag);
    }
    note('reconnecting shown after TURN stopped', `${noticedMs} ms`);
    note('recovered after TURN restarted', `${recoveredMs} ms`);
    note('call interrupted', `${Date.now() - stoppedAt} ms in all`);
  });

  test('the TURN server stays away: the call ends within the bound, with the reason', async () => {
    test.setTimeout(120_000);
    const { coturn, a, b } = await relayCall();

    const stoppedAt = Date.now();
    await coturn.stop();
    await expect(callStatus(a.page)).toContainText('reconnecting', { timeout: 15_000 });
    await expect(callStatus(b.page)).toContainText('reconnecting', { timeout: 15_000 });

    // Each side gives up at its own bound; the first to do so also tells the other it hung up.
    const ended = (other: string) =>
      new RegExp(
        `^(Call failed: The connection to ${other} was lost and did not come back within 20 s\\.` +
          `|Call ended\\. ${other} hung up\\.)$`,
      );
    await expect(callStatus(a.page)).toHaveText(ended(b.name), { timeout: 40_000 });
    await expect(callStatus(b.page)).toHaveText(ended(a.name), { timeout: 40_000 });
    const words = [await callStatus(a.page).textContent(), await callStatus(b.page).textContent()];
    expect(words.some((text) => text?.startsWith('Call failed: The connection to'))).toBe(true);
    note('ended after TURN stopped', `${Date.now() - stoppedAt} ms`);
    for (const { page } of [a, b]) {
      await expect(page.getByRole('button', { name: 'Hang up' })).toBeDisabled();
    }
  });
});

/** The peer ids of the default room by display name, as a member sees them in its peer list. */
async function idsByName(server: AppelSignal): Promise<Record<string, string>> {
  const socket: Socket = io(server.url, {
    ca: certPem,
    transports: ['websocket'],
    auth: { name: 'Directory' },
  });
  try {
    const list = await new Promise<PeerList>((resolve) => socket.once(Events.peerList, resolve));
    return Object.fromEntries(list.peers.map(({ id, name }) => [name, id]));
  } finally {
    socket.disconnect();
  }
}

function signalingPhase(page: Page) {
  return page.getByRole('status', { name: 'Server connection' });
}

test('appel-signal restarts mid-call: media flows on, both pages come back as themselves', async () => {
  test.setTimeout(120_000);
  const first = await signal();
  const a = await open(`${first.url}/`);
  const b = await open(`${first.url}/`);
  await callAndConnect(a, b);
  const ids = await idsByName(first);
  expect(Object.keys(ids).sort()).toEqual([a.name, b.name].sort());

  const stoppedAt = Date.now();
  await first.stop();
  for (const { page } of [a, b]) {
    await expect(signalingPhase(page)).toHaveAttribute('data-phase', 'reconnecting');
  }
  // The server is down, and the call does not need it: frames keep coming on both sides.
  for (const { page } of [a, b]) {
    const frames = await framesDecodedAnywhere(page);
    await expect.poll(() => framesDecodedAnywhere(page)).toBeGreaterThan(frames + 10);
  }

  // The same port and data directory (so the same certificate and token key).
  const restartedAt = Date.now();
  const second = await signal(['--port', String(first.port)]);
  expect(second.port).toBe(first.port);
  for (const { page } of [a, b]) {
    await expect(signalingPhase(page)).toHaveAttribute('data-phase', 'connected');
  }
  const reconnectedMs = Date.now() - restartedAt;
  expect(await idsByName(second)).toEqual(ids);
  // The call was never interrupted, and each still knows the other by name.
  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);
  await expect(callStatus(b.page)).toHaveText(`In call with ${a.name}`);
  await expect(a.page.getByRole('button', { name: `Call ${b.name}` })).toBeVisible();
  note('signaling down', `${restartedAt - stoppedAt} ms`);
  note('both pages reconnected after the restart', `${reconnectedMs} ms`);

  // Signaling works for this call and the next: hang up over it, call again, connect.
  await a.page.getByRole('button', { name: 'Hang up' }).click();
  await expect(callStatus(b.page)).toHaveText(`Call ended. ${a.name} hung up.`);
  await callPeer(b.page, a.name);
  await acceptCall(a.page, b.name);
  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);
  await expect(callStatus(b.page)).toHaveText(`In call with ${a.name}`);
  for (const { page } of [a, b]) {
    await expect.poll(async () => (await inboundStats(page)).framesDecoded).toBeGreaterThan(0);
  }
});
