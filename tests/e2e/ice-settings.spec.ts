/**
 * The user's own STUN/TURN servers and "Relay only (hide my address)" on the call page: checked
 * with an error that names the entry and field, remembered, combined with the signaling server's,
 * and a relay-only call through the user's own coturn (on 127.0.0.1, TURN REST credentials the
 * test computes for coturn's secret).
 */
import { createHmac } from 'node:crypto';
import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import { startAppelSignal, type AppelSignal } from '../support/appel-signal.js';
import { chromiumArgs, chromiumExecutable } from '../support/chromium.js';
import { startCoturn, type Coturn } from '../support/coturn.js';
import { localCandidates, selectedPair } from './support/ice-stats.js';
import {
  acceptCall,
  callPeer,
  callStatus,
  inboundStats,
  joinAs,
  openPeer,
  type PeerPage,
} from './support/page-helpers.js';

let coturn: Coturn;
let server: AppelSignal;
let browser: Browser;
let peers: PeerPage[] = [];

test.beforeAll(async () => {
  coturn = await startCoturn();
  // The signaling server hands out STUN only: any TURN server comes from the user's settings.
  server = await startAppelSignal({ args: ['--stun-urls', coturn.stunUrl] });
  browser = await chromium.launch({
    executablePath: chromiumExecutable(),
    args: chromiumArgs({ trustCertPem: server.certPem }),
  });
});

test.afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await coturn?.stop();
});

test.afterEach(async () => {
  await Promise.all(peers.map(({ context }) => context.close()));
  peers = [];
});

async function open(options?: Parameters<typeof openPeer>[2]): Promise<PeerPage> {
  const peer = await openPeer(browser, `${server.url}/`, options);
  peers.push(peer);
  return peer;
}

/** A TURN REST API credential for coturn's `static-auth-secret`, valid for an hour. */
function turnCredential(name: string): { username: string; credential: string } {
  const username = `${Math.floor(Date.now() / 1000) + 3600}:${name}`;
  const credential = createHmac('sha1', coturn.secret).update(username).digest('base64');
  return { username, credential };
}

const settingsError = (page: Page) => page.getByRole('alert', { name: 'Server settings error' });
const relayWords = (page: Page) => page.getByRole('status', { name: 'Relay only' });
const relayOnlyBox = (page: Page) =>
  page.getByRole('checkbox', { name: 'Relay only (hide my address)' });

/** Opens "Your STUN and TURN servers". */
async function openServers(page: Page): Promise<void> {
  await page.getByText('Your STUN and TURN servers').click();
}

/** Fills server `n` (adding an entry when there are fewer), leaving empty fields empty. */
async function fillServer(
  page: Page,
  n: number,
  fields: { urls: string; username?: string; credential?: string },
): Promise<void> {
  if ((await page.locator('#ice-server-list fieldset').count()) < n) {
    await page.getByRole('button', { name: 'Add server' }).click();
  }
  await page.getByLabel(`URLs (server ${n})`).fill(fields.urls);
  await page.getByLabel(`username (server ${n})`).fill(fields.username ?? '');
  await page.getByLabel(`credential (server ${n})`).fill(fields.credential ?? '');
}

const save = (page: Page) => page.getByRole('button', { name: 'Save servers' }).click();

test('invalid servers say which entry and field is wrong, and are not saved', async () => {
  const { page } = await open({ noJoin: true });
  await openServers(page);

  await fillServer(page, 1, { urls: 'http://turn.example.com' });
  await save(page);
  await expect(settingsError(page)).toHaveText(
    'Server 1, URLs: "http://turn.example.com" is not a STUN or TURN URL ' +
      '(like stun:stun.example.com:3478 or turn:turn.example.com:3478?transport=udp).',
  );
  await expect(page.getByLabel('URLs (server 1)')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('URLs (server 1)')).toBeFocused();

  await fillServer(page, 1, { urls: 'stun:stun.example.com:3478' });
  await fillServer(page, 2, { urls: 'turn:turn.example.com:3478?transport=udp', username: 'me' });
  await save(page);
  await expect(settingsError(page)).toHaveText(
    'Server 2, credential: a TURN server needs a credential.',
  );
  await expect(page.getByLabel('credential (server 2)')).toBeFocused();

  await fillServer(page, 2, { urls: 'turns:turn.example.com:5349' });
  await save(page);
  await expect(settingsError(page)).toHaveText(
    'Server 2, username: a TURN server needs a username.',
  );

  // What the protocol's validator lets through, the browser's own parser may still refuse.
  await fillServer(page, 2, { urls: 'stun:stun.example.com:99999' });
  await save(page);
  await expect(settingsError(page)).toContainText('Server 2: this browser refuses it (');

  expect(await page.evaluate(() => localStorage.getItem('appel.iceServers'))).toBeNull();
  await page.reload();
  await openServers(page);
  await expect(page.locator('#ice-server-list fieldset')).toHaveCount(0);
});

test('relay only with no TURN server known says calls cannot connect', async () => {
  const { page, name } = await open({ noJoin: true });
  await relayOnlyBox(page).check();
  await expect(relayWords(page)).toHaveText(
    'Relay only is on, but no TURN server is known: calls cannot connect. Add a TURN server ' +
      'below, or join a signaling server that provides one.',
  );
  // This signaling server provides STUN only: still no relay.
  await joinAs(page, name);
  await openServers(page);
  await expect(page.getByText(`The signaling server provides: ${coturn.stunUrl}.`)).toBeVisible();
  await expect(relayWords(page)).toContainText('no TURN server is known: calls cannot connect');
});

test("the user's own TURN server and relay only: the call relays through it", async () => {
  const a = await open({ noJoin: true });
  const turn = turnCredential('alice');
  await openServers(a.page);
  await fillServer(a.page, 1, { urls: coturn.url, ...turn });
  await save(a.page);
  await expect(a.page.getByRole('status', { name: 'Saved servers' })).toHaveText('Saved 1 server.');
  await relayOnlyBox(a.page).check();
  await expect(relayWords(a.page)).toHaveText(
    'Relay only: calls go through a TURN server, so the other side never sees your address.',
  );

  // Both settings are remembered.
  await a.page.reload();
  await expect(relayOnlyBox(a.page)).toBeChecked();
  await openServers(a.page);
  await expect(a.page.getByLabel('URLs (server 1)')).toHaveValue(coturn.url);
  await expect(a.page.getByLabel('username (server 1)')).toHaveValue(turn.username);

  await joinAs(a.page, a.name);
  const b = await open();
  await callPeer(a.page, b.name);
  await acceptCall(b.page, a.name);
  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);
  await expect(callStatus(b.page)).toHaveText(`In call with ${a.name}`);
  for (const { page } of [a, b]) {
    await expect.poll(async () => (await inboundStats(page)).framesDecoded).toBeGreaterThan(0);
  }

  // The user's server first, then the signaling server's; only relay candidates gathered.
  const configuration = await a.page.evaluate(() =>
    (window.__appelTestPeerConnections ?? []).at(-1)?.getConfiguration(),
  );
  expect(configuration).toMatchObject({
    iceTransportPolicy: 'relay',
    iceServers: [
      { urls: [coturn.url], username: turn.username, credential: turn.credential },
      { urls: [coturn.stunUrl] },
    ],
  });
  const candidates = await localCandidates(a.page);
  test
    .info()
    .annotations.push({ type: 'local candidates', description: JSON.stringify(candidates) });
  expect(candidates.length).toBeGreaterThan(0);
  expect(new Set(candidates.map((candidate) => candidate.type))).toEqual(new Set(['relay']));
  const pair = await selectedPair(a.page);
  test.info().annotations.push({ type: 'selected pair', description: JSON.stringify(pair) });
  expect(pair).toMatchObject({
    state: 'succeeded',
    local: { type: 'relay', address: '127.0.0.1', url: coturn.url },
  });
  expect(pair!.local.port).toBeGreaterThanOrEqual(coturn.relayPortRange.min);
  expect(pair!.local.port).toBeLessThanOrEqual(coturn.relayPortRange.max);
});
