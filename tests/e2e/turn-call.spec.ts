/**
 * A call relayed through a real coturn: appel-signal mints TURN credentials (`--turn-secret`,
 * `--turn-urls`), the call page hands its welcome's iceServers to the RTCPeerConnection, and the
 * test forces relay-only ICE so the media can only flow through coturn's relays.
 */
import {
  chromium,
  expect,
  test,
  type Browser,
  type Page,
  type WebSocketRoute,
} from '@playwright/test';
import { startAppelSignal, type AppelSignal } from '../support/appel-signal.js';
import { chromiumArgs, chromiumExecutable } from '../support/chromium.js';
import { startCoturn, type Coturn } from '../support/coturn.js';
import {
  acceptCall,
  callPeer,
  callStatus,
  forceRelayOnly,
  inboundStats,
  joinAs,
  openPeer,
  type PeerPage,
} from './support/page-helpers.js';

let coturn: Coturn;
let server: AppelSignal;
let browser: Browser;
const peers: PeerPage[] = [];

test.beforeAll(async () => {
  coturn = await startCoturn();
  server = await startAppelSignal({
    args: ['--turn-secret', coturn.secret, '--turn-urls', coturn.url],
  });
  browser = await chromium.launch({
    executablePath: chromiumExecutable(),
    args: chromiumArgs({ trustCertPem: server.certPem }),
  });
});

test.afterAll(async () => {
  await Promise.all(peers.map(({ context }) => context.close()));
  await browser?.close();
  await server?.stop();
  await coturn?.stop();
});

/**
 * A page in the room whose peer connections are relay-only from the first script on. With
 * `sockets`, its signaling WebSockets go through Playwright, which collects them there so that the
 * test can cut them.
 */
async function openRelayPeer(sockets?: WebSocketRoute[]): Promise<PeerPage> {
  const peer = await openPeer(browser, `${server.url}/`, { noJoin: true });
  peers.push(peer);
  await peer.context.addInitScript(forceRelayOnly);
  if (sockets) {
    await peer.context.routeWebSocket(/\/socket\.io\//, (socket) => {
      socket.connectToServer();
      sockets.push(socket);
    });
  }
  await peer.page.reload();
  await joinAs(peer.page, peer.name);
  return peer;
}

interface SelectedPair {
  state: string;
  nominated: boolean;
  local: { type: string; address: string; port: number; protocol: string; url: string };
  remote: { type: string };
}

/** The transport's selected candidate pair, with both candidates, from getStats(). */
function selectedPair(page: Page): Promise<SelectedPair | null> {
  return page.evaluate(async () => {
    const pc = (window.__appelTestPeerConnections ?? []).at(-1);
    if (!pc) return null;
    const stats = await pc.getStats();
    type Stat = Record<string, unknown> & { type: string; id: string };
    let pair: Stat | undefined;
    stats.forEach((stat: Stat) => {
      if (stat.type === 'transport' && typeof stat.selectedCandidatePairId === 'string') {
        pair = stats.get(stat.selectedCandidatePairId) as Stat | undefined;
      }
    });
    if (!pair) return null;
    const local = stats.get(pair.localCandidateId as string) as Stat;
    const remote = stats.get(pair.remoteCandidateId as string) as Stat;
    return {
      state: String(pair.state),
      nominated: pair.nominated === true,
      local: {
        type: String(local.candidateType),
        address: String(local.address),
        port: Number(local.port),
        protocol: String(local.relayProtocol),
        url: String(local.url),
      },
      remote: { type: String(remote.candidateType) },
    };
  });
}

/** The ICE settings the page's last peer connection was made with. */
function iceConfiguration(page: Page) {
  return page.evaluate(() => {
    const pc = (window.__appelTestPeerConnections ?? []).at(-1);
    const configuration = pc?.getConfiguration();
    return {
      policy: configuration?.iceTransportPolicy,
      servers: (configuration?.iceServers ?? []).map(({ urls, username, credential }) => ({
        urls,
        username,
        hasCredential: typeof credential === 'string' && credential.length > 0,
      })),
    };
  });
}

test('a relay-only call through coturn with credentials minted by appel-signal', async () => {
  const a = await openRelayPeer();
  const b = await openRelayPeer();

  await callPeer(a.page, b.name);
  await acceptCall(b.page, a.name);

  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);
  await expect(callStatus(b.page)).toHaveText(`In call with ${a.name}`);
  for (const { page } of [a, b]) {
    await expect.poll(async () => (await inboundStats(page)).framesDecoded).toBeGreaterThan(0);
    await expect
      .poll(async () => (await inboundStats(page)).audioPacketsReceived)
      .toBeGreaterThan(0);

    expect(await iceConfiguration(page)).toEqual({
      policy: 'relay',
      servers: [
        {
          urls: [coturn.url],
          username: expect.stringMatching(/^\d+:[\w-]+$/),
          hasCredential: true,
        },
      ],
    });
    const pair = await selectedPair(page);
    test.info().annotations.push({ type: 'selected pair', description: JSON.stringify(pair) });
    expect(pair).toMatchObject({
      state: 'succeeded',
      nominated: true,
      local: { type: 'relay', address: '127.0.0.1', protocol: 'udp', url: coturn.url },
      remote: { type: 'relay' },
    });
    // A relay port of this coturn, not some other server's.
    expect(pair!.local.port).toBeGreaterThanOrEqual(coturn.relayPortRange.min);
    expect(pair!.local.port).toBeLessThanOrEqual(coturn.relayPortRange.max);
  }
});

/** The TURN username the page's last peer connection was made with. */
async function turnUsername(page: Page): Promise<string | undefined> {
  return (await iceConfiguration(page)).servers[0]?.username;
}

test('after a reconnection the next call uses the credential of the new welcome', async () => {
  const sockets: WebSocketRoute[] = [];
  const a = await openRelayPeer(sockets);
  const b = await openRelayPeer();
  const callAndHangUp = async (): Promise<string | undefined> => {
    await callPeer(a.page, b.name);
    await acceptCall(b.page, a.name);
    await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);
    await expect.poll(async () => (await inboundStats(a.page)).framesDecoded).toBeGreaterThan(0);
    expect(await selectedPair(a.page)).toMatchObject({ local: { type: 'relay' } });
    const username = await turnUsername(a.page);
    await a.page.getByRole('button', { name: 'Hang up' }).click();
    await expect(callStatus(b.page)).toContainText('Call ended');
    return username;
  };
  const first = await callAndHangUp();
  await expect.poll(() => sockets.length).toBeGreaterThan(0);

  // The signaling connection drops; Socket.IO reconnects as a new socket with a new welcome.
  const cut = sockets.length;
  await sockets.at(-1)!.close();
  await expect.poll(() => sockets.length).toBeGreaterThan(cut);
  const status = a.page.getByRole('status', { name: 'Server connection' });
  await expect(status).toHaveAttribute('data-phase', 'connected');

  const second = await callAndHangUp();
  expect(first).toMatch(/^\d+:/);
  expect(second).toMatch(/^\d+:/);
  // Another socket id: the credential minted for the new connection, not the first one.
  expect(second!.split(':')[1]).not.toBe(first!.split(':')[1]);
});
