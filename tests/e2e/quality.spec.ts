/**
 * The call quality panel and indicator on real calls: two Chromium pages on loopback (a direct
 * host pair over UDP), the same through coturn with "Relay only" ticked on both sides (a relay
 * pair), and a Firefox guest reading its own panel (Firefox's stats differ from Chromium's).
 * What is checked is what the user sees: the values, the graph's pixels and name, the indicator,
 * a panel that keeps its size as numbers change, and nothing left running after hang-up.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, expect, test, type Browser, type Locator, type Page } from '@playwright/test';
import type { Browser as FirefoxBrowser, Page as FirefoxPage } from 'puppeteer-core';
import { startAppelSignal, type AppelSignal } from '../support/appel-signal.js';
import { startCallBed, stopCallBed } from './support/call-bed.js';
import { chromiumArgs, chromiumExecutable } from '../support/chromium.js';
import { createCleanups } from '../support/cleanups.js';
import { startCoturn } from '../support/coturn.js';
import { launchFirefox, openFirefoxPage } from '../support/firefox.js';
import { capturePeerConnections } from './support/electron-call.js';
import {
  acceptCall,
  callPeer,
  callStatus,
  cspViolations,
  joinAs,
  openPeer,
  type PeerPage,
} from './support/page-helpers.js';

declare global {
  interface Window {
    /** The page's getStats() calls and live intervals (id → delay), counted by the test. */
    __qualityMeter?: { getStats: number; intervals: Map<number, number> };
  }
}

/** The README's picture of a call with the panel open; refreshed with `APPEL_UPDATE_SCREENSHOT=1`. */
const qualityScreenshot = fileURLToPath(new URL('../../docs/call-quality.png', import.meta.url));

let server: AppelSignal;
let browser: Browser;
const cleanups = createCleanups();

test.beforeAll(async () => ({ server, browser } = await startCallBed()));
test.afterAll(() => stopCallBed(server, browser));

test.afterEach(() => cleanups.run());

/**
 * Test hook (an init script, in the test only): counts the page's getStats() calls and keeps its
 * live intervals, to see what the sampling costs and that it stops.
 */
function meterPage(): void {
  const meter = { getStats: 0, intervals: new Map<number, number>() };
  window.__qualityMeter = meter;
  const Base = window.RTCPeerConnection;
  window.RTCPeerConnection = class Metered extends Base {
    override getStats(selector?: MediaStreamTrack | null): Promise<RTCStatsReport> {
      meter.getStats += 1;
      return super.getStats(selector);
    }
  };
  const setInterval = window.setInterval.bind(window);
  const clearInterval = window.clearInterval.bind(window);
  window.setInterval = ((handler: TimerHandler, delay?: number, ...rest: unknown[]) => {
    const id = setInterval(handler, delay, ...rest);
    meter.intervals.set(id, delay ?? 0);
    return id;
  }) as typeof window.setInterval;
  window.clearInterval = ((id?: number) => {
    if (id !== undefined) meter.intervals.delete(id);
    clearInterval(id);
  }) as typeof window.clearInterval;
}

/** A Chromium page in the room, metered from its first script; "Relay only" ticked if asked. */
async function openMetered(url: string, options: { relayOnly?: boolean } = {}) {
  const peer = await openPeer(browser, url, { noJoin: true });
  cleanups.push(() => peer.context.close());
  await peer.context.addInitScript(meterPage);
  await peer.page.reload();
  if (options.relayOnly) {
    await peer.page.getByRole('checkbox', { name: 'Relay only (hide my address)' }).check();
  }
  await joinAs(peer.page, peer.name);
  return peer;
}

async function startCall(a: PeerPage, b: PeerPage): Promise<void> {
  await callPeer(a.page, b.name);
  await acceptCall(b.page, a.name);
  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);
  await expect(callStatus(b.page)).toHaveText(`In call with ${a.name}`);
}

const toggle = (page: Page) => page.getByRole('button', { name: 'Call quality', exact: true });
const details = (page: Page) => page.locator('#quality-details');
const indicator = (page: Page) => page.locator('#quality-indicator');
const graph = (page: Page) => page.getByRole('img', { name: /^(Last|Dernière) minute/ });
/** The value after the term `name` in the panel's list of facts. */
const fact = (page: Page, name: string) =>
  page.locator(`#quality-details dt:text-is(${JSON.stringify(name)}) + dd`);

/** The Sent and Received cells of a row of the panel's table. */
function cells(page: Page, row: string): { sent: Locator; received: Locator } {
  const found = page
    .getByRole('table', { name: 'Call quality, sent and received' })
    .getByRole('row', { name: new RegExp(`^${row} `) })
    .getByRole('cell');
  return { sent: found.nth(0), received: found.nth(1) };
}

/** The number a cell starts with ("1.2 Mb/s" → 1.2), `NaN` for the missing-value dash. */
async function leadingNumber(cell: Locator): Promise<number> {
  return Number.parseFloat(((await cell.textContent()) ?? '').replaceAll(',', ''));
}

/** How many pixels of the graph are painted. */
function paintedPixels(page: Page): Promise<number> {
  return page.locator('#quality-details canvas').evaluate((canvas: HTMLCanvasElement) => {
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let alpha = 3; alpha < data.length; alpha += 4) if (data[alpha]! > 0) painted += 1;
    return painted;
  });
}

function meter(page: Page) {
  return page.evaluate(() => ({
    getStats: window.__qualityMeter!.getStats,
    everySecond: [...window.__qualityMeter!.intervals.values()].filter((ms) => ms === 1000).length,
    at: performance.now(),
  }));
}

/** Waits for the graph's next sample (its name says the newest values) and returns the name. */
async function nextSample(page: Page, after: string | null): Promise<string> {
  await expect(graph(page)).not.toHaveAttribute('aria-label', after ?? '');
  return (await graph(page).getAttribute('aria-label'))!;
}

const BITRATE = /^[\d.,]+ (bit|kb|Mb)\/s$/;

test('the panel shows both directions, a host pair over UDP and a live graph; hang-up stops it', async () => {
  const a = await openMetered(`${server.url}/`);
  const b = await openMetered(`${server.url}/`);
  await expect(toggle(a.page)).toHaveAttribute('aria-expanded', 'false');
  await expect(details(a.page)).toBeHidden();
  const before = await meter(a.page);
  await startCall(a, b);

  // The indicator, on the main view with the panel closed.
  await expect(indicator(a.page)).toBeVisible();
  await expect(indicator(a.page)).toHaveText(
    /^Good connection · direct · [\d.,]+ (bit|kb|Mb)\/s · \d+ ms$/,
  );

  await toggle(a.page).click();
  await expect(toggle(a.page)).toHaveAttribute('aria-expanded', 'true');
  await expect(details(a.page)).toBeVisible();
  const bitrate = cells(a.page, 'Bitrate');
  await expect.poll(() => leadingNumber(bitrate.sent)).toBeGreaterThan(0);
  await expect.poll(() => leadingNumber(bitrate.received)).toBeGreaterThan(0);
  await expect(bitrate.sent).toHaveText(BITRATE);
  await expect(bitrate.received).toHaveText(BITRATE);
  for (const cell of Object.values(cells(a.page, 'Resolution'))) {
    await expect(cell).toHaveText(/^[1-9]\d* × [1-9]\d*$/);
  }
  for (const cell of Object.values(cells(a.page, 'Frame rate'))) {
    await expect(cell).toHaveText(/^\d+ fps$/);
  }
  for (const cell of Object.values(cells(a.page, 'Codec'))) {
    await expect(cell).toHaveText(/^(VP8|VP9|H264|AV1), opus$/);
  }
  for (const cell of Object.values(cells(a.page, 'Packet loss'))) {
    await expect(cell).toHaveText(/^\d+\.\d%$/);
  }
  await expect(fact(a.page, 'Round trip')).toHaveText(/^\d+ ms$/);
  await expect(fact(a.page, 'Your side')).toHaveText('host');
  await expect(fact(a.page, 'Their side')).toHaveText('host');
  await expect(fact(a.page, 'Protocol')).toHaveText('UDP');

  // The graph drew, and its name says the newest values.
  await expect.poll(() => paintedPixels(a.page)).toBeGreaterThan(0);
  await expect(graph(a.page)).toHaveAttribute(
    'aria-label',
    /^Last minute: sending [1-9][\d.,]* (kb|Mb)\/s, receiving [1-9][\d.,]* (kb|Mb)\/s, round trip \d+ ms\.$/,
  );

  // Every run attaches the picture; the README's copy changes only when asked to.
  const picture = await a.page.screenshot({ fullPage: true });
  await test.info().attach('quality panel', { body: picture, contentType: 'image/png' });
  if (process.env.APPEL_UPDATE_SCREENSHOT === '1') await writeFile(qualityScreenshot, picture);

  // Numbers change every second; no box does.
  const boxes = () =>
    Promise.all(
      [details(a.page), indicator(a.page), bitrate.sent, a.page.locator('#remote-video')].map(
        (locator) => locator.boundingBox(),
      ),
    );
  let sample = await nextSample(a.page, null);
  const first = await boxes();
  for (let i = 0; i < 2; i += 1) {
    sample = await nextSample(a.page, sample);
    expect(await boxes()).toEqual(first);
  }

  // One getStats() a second, and one one-second timer.
  const during = await meter(a.page);
  const seconds = (during.at - before.at) / 1000;
  const cost = `${during.getStats - before.getStats} getStats() calls in ${seconds.toFixed(1)} s`;
  test.info().annotations.push({ type: 'sampling cost', description: cost });
  console.log(`[quality] sampling cost: ${cost}`);
  expect(during.getStats - before.getStats).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
  expect(during.everySecond - before.everySecond).toBe(1);

  await a.page.getByRole('button', { name: 'Hang up' }).click();
  await expect(callStatus(b.page)).toContainText('Call ended');
  for (const { page } of [a, b]) {
    await expect(indicator(page)).toHaveText('');
    await expect.poll(async () => (await meter(page)).everySecond).toBe(before.everySecond);
  }
  // Nothing of the call is kept: every value back to the dash, the graph empty.
  for (const cell of Object.values(cells(a.page, 'Bitrate'))) await expect(cell).toHaveText('—');
  await expect(fact(a.page, 'Your side')).toHaveText('—');
  await expect(graph(a.page)).toHaveAttribute('aria-label', 'Last minute: no measurements yet.');
  expect(await paintedPixels(a.page)).toBe(0);
  const after = (await meter(a.page)).getStats;
  await a.page.waitForTimeout(2500); // a negative needs a stretch of time: no sample comes
  expect((await meter(a.page)).getStats).toBe(after);
  expect(await cspViolations(a.page)).toEqual([]);
});

test('a relay-only call through coturn shows relay on both sides and says relayed', async () => {
  const coturn = await startCoturn();
  cleanups.push(() => coturn.stop());
  const turnServer = await startAppelSignal({
    args: ['--turn-secret', coturn.secret, '--turn-urls', coturn.url],
  });
  cleanups.push(() => turnServer.stop());
  const relayBrowser = await chromium.launch({
    executablePath: chromiumExecutable(),
    args: chromiumArgs({ trustCertPem: turnServer.certPem }),
  });
  cleanups.push(() => relayBrowser.close());
  const open = async (): Promise<PeerPage> => {
    const peer = await openPeer(relayBrowser, `${turnServer.url}/`, { noJoin: true });
    await peer.page.getByRole('checkbox', { name: 'Relay only (hide my address)' }).check();
    await joinAs(peer.page, peer.name);
    return peer;
  };
  const a = await open();
  const b = await open();
  await startCall(a, b);

  await toggle(a.page).click();
  await expect(fact(a.page, 'Your side')).toHaveText('relay');
  await expect(fact(a.page, 'Their side')).toHaveText('relay');
  await expect(fact(a.page, 'Protocol')).toHaveText('UDP (TURN over UDP)');
  await expect(indicator(a.page)).toHaveText(/^\w+ connection · relayed · /);
  await expect.poll(() => leadingNumber(cells(a.page, 'Bitrate').received)).toBeGreaterThan(0);

  // In French, at once: labels, values and the indicator, without waiting for a sample.
  await a.page.getByRole('combobox', { name: 'Language' }).selectOption('fr');
  await expect(
    a.page.getByRole('button', { name: 'Qualité de l’appel', exact: true }),
  ).toBeVisible();
  await expect(fact(a.page, 'Votre côté')).toHaveText('relais');
  await expect(fact(a.page, 'Protocole')).toHaveText('UDP (TURN en UDP)');
  await expect(indicator(a.page)).toHaveText(
    /^\S+ connexion · relayée · [\d\s,]+(bit|kbit|Mbit)\/s · \d+\sms$/,
  );
  await expect(graph(a.page)).toHaveAttribute('aria-label', /^Dernière minute\u00a0: envoi /);
  await test.info().attach('quality panel, relayed, in French', {
    body: await a.page.locator('.stage').screenshot(),
    contentType: 'image/png',
  });
});

/** An ARIA selector for puppeteer: the element with this role and accessible name. */
function aria(role: string, name: string): string {
  return `::-p-aria([name=${JSON.stringify(name)}][role="${role}"])`;
}

function foxText(page: FirefoxPage, selector: string): Promise<string> {
  return page.$eval(selector, (element) => element.textContent ?? '');
}

test('a Firefox guest reads its own panel from Firefox’s stats', async () => {
  const firefox: FirefoxBrowser = await launchFirefox();
  cleanups.push(() => firefox.close());
  const opened = await openFirefoxPage(firefox, `${server.url}/`, {
    initScript: capturePeerConnections,
  });
  const fox = opened.page;
  await fox.locator(aria('textbox', 'Your name')).fill('Fox');
  await fox.locator(aria('button', 'Join')).click();
  await expect.poll(() => foxText(fox, '#self-name')).toBe('Fox');
  const chrome = await openMetered(`${server.url}/`);

  await fox.locator(aria('button', `Call ${chrome.name}`)).click();
  await acceptCall(chrome.page, 'Fox');
  await expect(callStatus(chrome.page)).toHaveText('In call with Fox');

  await fox.locator(aria('button', 'Call quality')).click();
  const bitrates = () =>
    fox.$$eval('#quality-details tbody tr:first-child td', (cells) =>
      cells.map((cell) => Number.parseFloat((cell.textContent ?? '').replaceAll(',', ''))),
    );
  // Sent and received, each a number above zero (the dash reads as NaN).
  await expect.poll(async () => (await bitrates()).filter((bitrate) => bitrate > 0).length).toBe(2);
  const facts = await fox.$$eval('#quality-details dd', (values) =>
    values.map((value) => value.textContent),
  );
  // Round trip, your side, their side (Firefox learns Chromium's address from its checks), protocol.
  expect(facts).toEqual([
    expect.stringMatching(/^\d+ ms$/),
    'host',
    expect.stringMatching(/^(host|peer reflexive \(prflx\))$/),
    'UDP',
  ]);
  await expect
    .poll(() => foxText(fox, '#quality-indicator'))
    .toMatch(/^Good connection · direct · [\d.,]+ (bit|kb|Mb)\/s · \d+ ms$/);
});
