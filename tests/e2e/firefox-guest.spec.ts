/**
 * Firefox as a guest: Debian's firefox-esr over WebDriver BiDi (tests/support/firefox.ts) and
 * Chromium in one room of the real appel-signal, calling each other both ways; a Chromium page
 * with a wrong room key refused; and the desktop app (the Electron path in Chromium, as in
 * electron-bridge.spec.ts) calling a Firefox guest who opened its invite. Media is checked on
 * getStats() (inbound-rtp frames decoded and audio packets) on both sides of every call.
 *
 * Firefox is driven with puppeteer-core, not Playwright: its pages are found by ARIA role and
 * name (`::-p-aria`), and what they show is polled with `expect.poll`.
 */
import { chromium, expect, test, type Browser } from '@playwright/test';
import type { Browser as FirefoxBrowser, Page as FirefoxPage } from 'puppeteer-core';
import { formatInvite } from '../../common/invite.js';
import { newRoomId, newRoomKey } from '../../common/protocol.js';
import { startAppelSignal, type AppelSignal } from '../support/appel-signal.js';
import { chromiumArgs, chromiumExecutable } from '../support/chromium.js';
import { createCleanups } from '../support/cleanups.js';
import { launchFirefox, openFirefoxPage } from '../support/firefox.js';
import {
  capturePeerConnections,
  DesktopHarness,
  expectMediaOnEverySide,
  hostFromPage,
} from './support/electron-call.js';
import { bundlePreloadBridge } from './support/ipc-transport.js';
import {
  acceptCall,
  callPeer,
  callStatus,
  openPeer,
  type InboundStats,
} from './support/page-helpers.js';

const FOX = 'Fox';
const CHROME = 'Chrome';

let server: AppelSignal;
let firefox: FirefoxBrowser;
let chromiumBrowser: Browser;
let preloadBundle: string;
const cleanups = createCleanups();

test.beforeAll(async () => {
  [server, firefox, preloadBundle] = await Promise.all([
    startAppelSignal(),
    launchFirefox(),
    bundlePreloadBridge(),
  ]);
  chromiumBrowser = await chromium.launch({
    executablePath: chromiumExecutable(),
    args: chromiumArgs({ trustCertPem: server.certPem }),
  });
});

test.afterAll(async () => {
  await chromiumBrowser?.close();
  await firefox?.close();
  await server?.stop();
});

test.afterEach(() => cleanups.run());

/** An invite to a fresh room of the standalone server: its first joiner creates the room. */
function freshRoom(): { invite: string; room: string } {
  const room = newRoomId();
  return { room, invite: formatInvite({ url: server.url, room, key: newRoomKey() }) };
}

/** An ARIA selector for puppeteer: the element with this role and accessible name. */
function aria(role: string, name: string): string {
  return `::-p-aria([name=${JSON.stringify(name)}][role="${role}"])`;
}

/** The text of the element with this role and name, `null` while there is none. */
function textOf(page: FirefoxPage, role: string, name: string): Promise<string | null> {
  return page
    .$(aria(role, name))
    .then((handle) => handle?.evaluate((element) => element.textContent?.trim() ?? '') ?? null);
}

/** Opens `url` in Firefox, with its peer connections captured, and joins as `name`. */
async function openFox(url: string, name = FOX): Promise<FirefoxPage> {
  const opened = await openFirefoxPage(firefox, url, { initScript: capturePeerConnections });
  cleanups.push(() => opened.close());
  const { page } = opened;
  await page.locator(aria('textbox', 'Your name')).fill(name);
  await page.locator(aria('button', 'Join')).click();
  await expect.poll(() => page.$eval('#self-name', (el) => el.textContent)).toBe(name);
  return page;
}

function foxCallStatus(page: FirefoxPage): Promise<string | null> {
  return textOf(page, 'status', 'Call status');
}

/** inbound-rtp numbers over the Firefox page's connected peer connections. */
function foxInbound(page: FirefoxPage): Promise<InboundStats> {
  return page.evaluate(async () => {
    const totals = { framesDecoded: 0, audioPacketsReceived: 0 };
    const pcs = window.__appelTestPeerConnections ?? [];
    for (const pc of pcs.filter((p) => p.connectionState === 'connected')) {
      (await pc.getStats()).forEach(
        (stat: { type: string; kind?: string } & Record<string, unknown>) => {
          if (stat.type !== 'inbound-rtp') return;
          if (stat.kind === 'video') totals.framesDecoded += Number(stat.framesDecoded ?? 0);
          if (stat.kind === 'audio')
            totals.audioPacketsReceived += Number(stat.packetsReceived ?? 0);
        },
      );
    }
    return totals;
  });
}

async function expectFoxMedia(page: FirefoxPage): Promise<void> {
  await expect
    .poll(async () => (await foxInbound(page)).framesDecoded, {
      message: 'Firefox decodes video frames',
    })
    .toBeGreaterThan(0);
  await expect
    .poll(async () => (await foxInbound(page)).audioPacketsReceived, {
      message: 'Firefox receives audio',
    })
    .toBeGreaterThan(0);
}

/** Waits for the ring in Firefox and clicks Accept. */
async function foxAccepts(page: FirefoxPage, from: string): Promise<void> {
  await page.waitForSelector(aria('alertdialog', `${from} is calling you.`));
  await page.locator(aria('button', 'Accept')).click();
}

/** Milliseconds since `start`, rounded, for the report's timings. */
const since = (start: number): number => Math.round(performance.now() - start);

test('Firefox and Chromium in one room call each other both ways', async () => {
  const timings: Record<string, number> = {};
  const { invite } = freshRoom();
  let start = performance.now();
  const fox = await openFox(invite);
  timings.firefoxOpenAndJoin = since(start);
  const chrome = await openPeer(chromiumBrowser, invite, { name: CHROME });
  cleanups.push(() => chrome.context.close());

  // Firefox calls, Chromium accepts.
  start = performance.now();
  await fox.locator(aria('button', `Call ${CHROME}`)).click();
  await acceptCall(chrome.page, FOX);
  await expect.poll(() => foxCallStatus(fox)).toBe(`In call with ${CHROME}`);
  await expect(callStatus(chrome.page)).toHaveText(`In call with ${FOX}`);
  await expectFoxMedia(fox);
  await expectMediaOnEverySide(chrome.page);
  timings.firefoxCallsToMediaBothWays = since(start);

  await fox.locator(aria('button', 'Hang up')).click();
  await expect(callStatus(chrome.page)).toHaveText(`Call ended. ${FOX} hung up.`);
  await expect.poll(() => foxCallStatus(fox)).toBe('Call ended. You hung up.');

  // Chromium calls, Firefox accepts: a new connection, media counted on it alone.
  start = performance.now();
  await callPeer(chrome.page, FOX);
  await foxAccepts(fox, CHROME);
  await expect(callStatus(chrome.page)).toHaveText(`In call with ${FOX}`);
  await expect.poll(() => foxCallStatus(fox)).toBe(`In call with ${CHROME}`);
  await expectFoxMedia(fox);
  await expectMediaOnEverySide(chrome.page);
  timings.chromiumCallsToMediaBothWays = since(start);

  await chrome.page.getByRole('button', { name: 'Hang up' }).click();
  await expect.poll(() => foxCallStatus(fox)).toBe(`Call ended. ${CHROME} hung up.`);
  // Each call had its own peer connection, and neither is left open.
  expect(
    await fox.evaluate(() =>
      (window.__appelTestPeerConnections ?? []).map((pc) => pc.connectionState),
    ),
  ).toEqual(['closed', 'closed']);

  test.info().annotations.push({ type: 'timings (ms)', description: JSON.stringify(timings) });
  console.log(`[firefox-guest] timings (ms) ${JSON.stringify(timings)}`);
});

test('a Chromium page with a wrong room key is refused in words and sees nobody', async () => {
  const { invite, room } = freshRoom();
  const fox = await openFox(invite);

  const wrongKey = formatInvite({ url: server.url, room, key: newRoomKey() });
  const stranger = await openPeer(chromiumBrowser, wrongKey, { name: 'Mallory', noJoin: true });
  cleanups.push(() => stranger.context.close());
  await stranger.page.getByRole('textbox', { name: 'Your name' }).fill('Mallory');
  await stranger.page.getByRole('button', { name: 'Join', exact: true }).click();

  const alert = stranger.page.getByRole('alert');
  await expect(alert).toContainText('Could not join: The server did not let you in');
  await expect(alert).toContainText('This room does not open with that key');
  await expect(stranger.page.getByRole('button', { name: 'Leave' })).toBeHidden();
  await expect(stranger.page.getByRole('button', { name: /^Call / })).toHaveCount(0);
  await expect(stranger.page.locator('body')).not.toContainText(FOX);
  // Nor did anyone see the stranger.
  expect(await textOf(fox, 'button', 'Call Mallory')).toBeNull();
  expect(await fox.$eval('#no-peers', (el) => (el as HTMLElement).hidden)).toBe(false);
});

test('the desktop app hosts and calls a Firefox guest who opened the invite', async () => {
  const desktop = new DesktopHarness(cleanups, preloadBundle);
  const { host } = await desktop.host('Hana');
  const invite = await hostFromPage(host.page, 'Hana');

  // The harness's Firefox accepts the host's self-signed certificate (acceptInsecureCerts).
  const fox = await openFox(invite);
  await host.page.getByRole('button', { name: `Call ${FOX}` }).click();
  await foxAccepts(fox, 'Hana');

  await expect(callStatus(host.page)).toHaveText(`In call with ${FOX}`);
  await expect.poll(() => foxCallStatus(fox)).toBe('In call with Hana');
  await expectFoxMedia(fox);
  await expectMediaOnEverySide(host.page);

  await host.page.getByRole('button', { name: 'Hang up' }).click();
  await expect.poll(() => foxCallStatus(fox)).toBe('Call ended. Hana hung up.');
  expect(host.refused).toEqual([]);
});
