/**
 * Two (or three) real Chromium peers on the call page served by the real appel-signal: calls by
 * id, glare, receive-only and error paths, checked on what the page shows and on getStats().
 */
import { fileURLToPath } from 'node:url';
import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import { startAppelSignal, type AppelSignal } from '../support/appel-signal.js';
import { chromiumArgs, chromiumExecutable } from '../support/chromium.js';
import {
  acceptCall,
  callPeer,
  callStatus,
  captureStates,
  connectionStates,
  cspViolations,
  inboundStats,
  localIce,
  offersMade,
  holdSignaling,
  openPeer,
  releaseSignaling,
  restartIce,
  sentTracksEnabled,
  videoWidth,
  type PeerPage,
} from './support/page-helpers.js';

/** The README's screenshot; refreshed with `APPEL_UPDATE_SCREENSHOT=1 npm run test:e2e`. */
const screenshotPath = fileURLToPath(new URL('../../docs/call.png', import.meta.url));

let server: AppelSignal;
let browser: Browser;
let peers: PeerPage[] = [];

test.beforeAll(async () => {
  server = await startAppelSignal();
  browser = await chromium.launch({
    executablePath: chromiumExecutable(),
    args: chromiumArgs({ trustCertPem: server.certPem }),
  });
});

test.afterAll(async () => {
  await browser?.close();
  await server?.stop();
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

/** Media flows both ways: video frames decoded and audio packets received on each side. */
async function expectMediaBothWays(a: PeerPage, b: PeerPage): Promise<void> {
  for (const { page } of [a, b]) {
    await expect.poll(async () => (await inboundStats(page)).framesDecoded).toBeGreaterThan(0);
    await expect
      .poll(async () => (await inboundStats(page)).audioPacketsReceived)
      .toBeGreaterThan(0);
    await expect.poll(() => videoWidth(page, 'Remote video')).toBeGreaterThan(0);
  }
}

test('A calls B, B accepts: audio and video flow both ways, then A hangs up', async () => {
  const a = await open();
  const b = await open();

  await callPeer(a.page, b.name);
  await expect(callStatus(a.page)).toHaveText(`Ringing ${b.name}…`);
  await acceptCall(b.page, a.name);

  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);
  await expect(callStatus(b.page)).toHaveText(`In call with ${a.name}`);
  await expectMediaBothWays(a, b);
  await expect.poll(() => videoWidth(a.page, 'Your camera')).toBeGreaterThan(0);
  // Every run attaches its screenshot to the report; docs/ changes only when asked to.
  await test.info().attach('call', { body: await a.page.screenshot(), contentType: 'image/png' });
  if (process.env.APPEL_UPDATE_SCREENSHOT === '1')
    await a.page.screenshot({ path: screenshotPath });

  const mute = a.page.getByRole('button', { name: 'Mute microphone' });
  const cameraOff = a.page.getByRole('button', { name: 'Camera off' });
  await mute.click();
  await expect(mute).toHaveAttribute('aria-pressed', 'true');
  expect(await sentTracksEnabled(a.page)).toEqual({ audio: false, video: true });
  await cameraOff.click();
  await mute.click();
  await expect(cameraOff).toHaveAttribute('aria-pressed', 'true');
  expect(await sentTracksEnabled(a.page)).toEqual({ audio: true, video: false });

  await a.page.getByRole('button', { name: 'Hang up' }).click();

  await expect(callStatus(a.page)).toContainText('Call ended');
  await expect(callStatus(b.page)).toContainText('Call ended');
  for (const { page } of [a, b]) {
    await expect.poll(() => connectionStates(page)).toEqual(['closed']);
    await expect(page.getByRole('button', { name: 'Hang up' })).toBeDisabled();
    await expect.poll(() => videoWidth(page, 'Remote video')).toBe(0);
    // No call needs them: every capture track ended (the camera light goes off).
    await expect.poll(() => captureStates(page)).toEqual(['ended', 'ended']);
    expect(await cspViolations(page)).toEqual([]);
  }
});

test('the call ends when the other side closes its page', async () => {
  const a = await open();
  const b = await open();
  await callPeer(a.page, b.name);
  await acceptCall(b.page, a.name);
  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);

  await b.context.close();

  await expect(callStatus(a.page)).toHaveText(`Call ended. ${b.name} left.`);
  await expect(a.page.getByRole('button', { name: `Call ${b.name}` })).toHaveCount(0);
  await expect.poll(() => connectionStates(a.page)).toEqual(['closed']);
});

test('a third caller hears busy while a call is in progress', async () => {
  const a = await open();
  const b = await open();
  const c = await open();
  await callPeer(a.page, b.name);
  await acceptCall(b.page, a.name);
  await expect(callStatus(b.page)).toHaveText(`In call with ${a.name}`);

  await callPeer(c.page, a.name);

  await expect(callStatus(c.page)).toHaveText(`Call ended. ${a.name} is in another call.`);
  await expect.poll(() => connectionStates(c.page)).toEqual(['closed']);
  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);
  await expect(a.page.getByRole('alertdialog')).toBeHidden();
  expect(await connectionStates(a.page)).toEqual(['connected']);
});

test('both call each other at the same moment: one call, media both ways', async () => {
  const a = await open({ holdableSignaling: true });
  const b = await open({ holdableSignaling: true });
  await expect(a.page.getByRole('button', { name: `Call ${b.name}` })).toBeVisible();
  await expect(b.page.getByRole('button', { name: `Call ${a.name}` })).toBeVisible();
  // Signaling held on both sides until both have offered: the offers are sure to cross.
  await Promise.all([holdSignaling(a.page), holdSignaling(b.page)]);

  await Promise.all([
    a.page.getByRole('button', { name: `Call ${b.name}` }).click(),
    b.page.getByRole('button', { name: `Call ${a.name}` }).click(),
  ]);
  await expect.poll(() => offersMade(a.page)).toBeGreaterThanOrEqual(1);
  await expect.poll(() => offersMade(b.page)).toBeGreaterThanOrEqual(1);
  await Promise.all([releaseSignaling(a.page), releaseSignaling(b.page)]);

  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);
  await expect(callStatus(b.page)).toHaveText(`In call with ${a.name}`);
  await expectMediaBothWays(a, b);
  for (const { page } of [a, b]) {
    expect(await connectionStates(page)).toEqual(['connected']);
  }

  // An ICE restart on both sides at once (another collision) renegotiates without a new call.
  const before = await Promise.all([localIce(a.page), localIce(b.page)]);
  const frames = (await inboundStats(a.page)).framesDecoded;
  await Promise.all([restartIce(a.page), restartIce(b.page)]);
  for (const [i, { page }] of [a, b].entries()) {
    await expect
      .poll(() => localIce(page))
      .toEqual({ ufrag: expect.not.stringMatching(`^${before[i]!.ufrag}$`), signaling: 'stable' });
  }
  await expect.poll(async () => (await inboundStats(a.page)).framesDecoded).toBeGreaterThan(frames);
  for (const { page } of [a, b]) {
    expect(await connectionStates(page)).toEqual(['connected']);
    await expect(callStatus(page)).toContainText('In call with');
  }
});

test('denied camera and microphone: the page says so and still receives video', async () => {
  const a = await open();
  const denied = await open({ denyMedia: true });

  await callPeer(denied.page, a.name);
  await acceptCall(a.page, denied.name);

  await expect(denied.page.getByRole('status', { name: 'Camera and microphone' })).toContainText(
    'denied',
  );
  await expect(denied.page.getByRole('button', { name: 'Mute microphone' })).toBeDisabled();
  await expect(callStatus(denied.page)).toHaveText(`In call with ${a.name}`);
  await expect(callStatus(a.page)).toHaveText(`In call with ${denied.name}`);
  await expect.poll(async () => (await inboundStats(denied.page)).framesDecoded).toBeGreaterThan(0);
  await expect
    .poll(async () => (await inboundStats(denied.page)).audioPacketsReceived)
    .toBeGreaterThan(0);
  await expect.poll(() => videoWidth(denied.page, 'Remote video')).toBeGreaterThan(0);
});

test('without a camera the call is audio-only one way and still carries video the other', async () => {
  const a = await open();
  const noCamera = await open({ noCamera: true });

  await callPeer(a.page, noCamera.name);
  await acceptCall(noCamera.page, a.name);

  await expect(noCamera.page.getByRole('status', { name: 'Camera and microphone' })).toHaveText(
    'Calling without camera: no camera was found.',
  );
  await expect(noCamera.page.getByRole('button', { name: 'Camera off' })).toBeDisabled();
  await expect(callStatus(a.page)).toHaveText(`In call with ${noCamera.name}`);
  await expect(callStatus(noCamera.page)).toHaveText(`In call with ${a.name}`);
  await expect
    .poll(async () => (await inboundStats(a.page)).audioPacketsReceived)
    .toBeGreaterThan(0);
  await expect
    .poll(async () => (await inboundStats(noCamera.page)).framesDecoded)
    .toBeGreaterThan(0);
  expect(await sentTracksEnabled(noCamera.page)).toEqual({ audio: true });
});

