/**
 * Recovery from what real networks do to a call, in Chromium, one call reused for every sample:
 * - `turn`: a relay-only call through a real coturn; coturn is stopped, started again on the same
 *   ports after a fixed outage, and the call restarts ICE by itself. Measured: the cut → "reconnecting"
 *   shown (the slower page), and coturn's restart (listening again) → video frames decoded again
 *   on both pages (`framesDecoded` increasing), and → both pages back "in call".
 * - `signaling`: a direct call; appel-signal is stopped (SIGTERM) mid-call and started again after
 *   a fixed outage on the same port and data directory. Measured: its restart (listening again) →
 *   both pages' `#signaling-status` back to `connected`, and the frames each page decoded while it
 *   was down (media must keep flowing without it).
 * Times are on the machine's wall clock, read in the pages (`Date.now()`) and in Node alike.
 *
 * Standalone: `sh scripts/private-net.sh npx tsx bench/recovery.ts` (after `npm run build`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { startAppelSignal, type AppelSignal } from '../tests/support/appel-signal.js';
import { chromiumExecutable } from '../tests/support/chromium.js';
import { startCoturn, type Coturn } from '../tests/support/coturn.js';
import { framesDecodedAnywhere } from '../tests/e2e/support/page-helpers.js';
import { benchChromiumArgs, distribution, round, type Distribution } from './call-setup.js';

export interface RecoveryResult {
  /** Samples per scenario, on one call each (the same call reused for every sample). */
  samples: number;
  /** How long the server was kept down each time. */
  outageMs: number;
  turn: {
    /** coturn stopped → the slower page's call status shows "reconnecting". */
    cutToReconnecting: Distribution;
    /** coturn listening again → the slower page decodes a new video frame. */
    restartToFrames: Distribution;
    /** The slower page's "reconnecting" → the slower page decodes a new video frame. */
    reconnectingToFrames: Distribution;
    /**
     * coturn listening again → both pages' call status back to "in call" (after "reconnecting",
     * which may come after the restart: noticing the cut takes longer than the outage).
     */
    restartToInCall: Distribution;
  };
  signaling: {
    /** appel-signal listening again → both pages' signaling status `connected`. */
    restartToConnected: Distribution;
    /** The restarted appel-signal's spawn → listening (what a restart costs before clients can try). */
    spawnToListening: Distribution;
    /**
     * Frames each page decoded while appel-signal was down (from both pages showing it
     * reconnecting to the restart; the fewer of the two pages, per sample).
     */
    framesDuringOutage: number[];
    /** Whether frames kept increasing on both pages during every outage. */
    framesKeptFlowing: boolean;
  };
}

const STEP_TIMEOUT_MS = 30_000;

/**
 * The page's RTCPeerConnections, kept where `framesDecodedAnywhere` reads them; relay candidates
 * only with `relay`. A string, so tsx's `__name` wrapping never reaches the page (and a no-op
 * `__name` for the page functions that do carry it).
 */
function captureScript(relay: boolean): string {
  return `globalThis.__name = (fn) => fn;
{
  const Native = window.RTCPeerConnection;
  const created = [];
  window.__appelTestPeerConnections = created;
  window.RTCPeerConnection = class extends Native {
    constructor(configuration = {}) {
      super(${relay ? "{ ...configuration, iceTransportPolicy: 'relay' }" : 'configuration'});
      created.push(this);
    }
  };
}`;
}

async function openPeer(
  browser: Browser,
  url: string,
  name: string,
  relay: boolean,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  await context.addInitScript({ content: captureScript(relay) });
  const page = await context.newPage();
  await page.goto(url);
  await page.getByRole('textbox', { name: 'Your name' }).fill(name);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.getByText(`You are ${name}`).waitFor({ timeout: STEP_TIMEOUT_MS });
  return { context, page };
}

/**
 * When (wall clock) `#<id>`'s `data-phase` is `phase` (after it was `after`, if given); polled in
 * the page every 10 ms.
 */
function phaseAt(page: Page, id: string, phase: string, after?: string): Promise<number> {
  return page.evaluate(
    async ([id, phase, after, timeoutMs]) => {
      const deadline = Date.now() + timeoutMs;
      let seen = after === null;
      while (Date.now() < deadline) {
        const now = document.getElementById(id)?.dataset.phase;
        if (!seen && now === after) seen = true;
        if (seen && now === phase) return Date.now();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`#${id} never reached data-phase "${phase}"`);
    },
    [id, phase, after ?? null, STEP_TIMEOUT_MS] as const,
  );
}

/** When (wall clock) the page's decoded video frames exceed `above`; polled every 20 ms. */
function framesAboveAt(page: Page, above: number): Promise<number> {
  return page.evaluate(
    async ([above, timeoutMs]) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        let frames = 0;
        for (const pc of window.__appelTestPeerConnections ?? []) {
          (await pc.getStats()).forEach(
            (stat: { type: string; kind?: string } & Record<string, unknown>) => {
              if (stat.type === 'inbound-rtp' && stat.kind === 'video') {
                frames += Number(stat.framesDecoded ?? 0);
              }
            },
          );
        }
        if (frames > above) return Date.now();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`no video frame decoded past ${above}`);
    },
    [above, STEP_TIMEOUT_MS] as const,
  );
}

/** Calls `callee` from `caller`, accepts, and waits until both are in call with frames flowing. */
async function connect(caller: Page, callee: Page, calleeName: string): Promise<void> {
  await caller.getByRole('button', { name: `Call ${calleeName}`, exact: true }).click();
  await callee
    .getByRole('alertdialog')
    .getByRole('button', { name: 'Accept' })
    .click({ timeout: STEP_TIMEOUT_MS });
  await settled([caller, callee]);
}

/** Both pages in call and decoding new frames. */
async function settled(pages: Page[]): Promise<void> {
  await Promise.all(pages.map((page) => phaseAt(page, 'call-status', 'in-call')));
  const frames = await Promise.all(pages.map(framesDecodedAnywhere));
  await Promise.all(pages.map((page, i) => framesAboveAt(page, frames[i]! + 5)));
}

async function benchTurn(
  browser: Browser,
  dataDir: string,
  samples: number,
  outageMs: number,
): Promise<RecoveryResult['turn']> {
  let coturn: Coturn = await startCoturn();
  let server: AppelSignal | undefined;
  const contexts: BrowserContext[] = [];
  try {
    server = await startAppelSignal({
      dataDir,
      args: ['--turn-secret', coturn.secret, '--turn-urls', coturn.url],
    });
    const a = await openPeer(browser, `${server.url}/`, 'Turn A', true);
    contexts.push(a.context);
    const b = await openPeer(browser, `${server.url}/`, 'Turn B', true);
    contexts.push(b.context);
    const pages = [a.page, b.page];
    await connect(a.page, b.page, 'Turn B');

    const cutToReconnecting: number[] = [];
    const restartToFrames: number[] = [];
    const restartToInCall: number[] = [];
    const reconnectingToFrames: number[] = [];
    for (let i = 0; i < samples; i += 1) {
      await settled(pages);
      const reconnecting = Promise.all(
        pages.map((page) => phaseAt(page, 'call-status', 'reconnecting')),
      );
      const stoppedAt = Date.now();
      await coturn.stop();
      await delay(Math.max(0, outageMs - (Date.now() - stoppedAt)));
      const frames = await Promise.all(pages.map(framesDecodedAnywhere));
      const recovered = Promise.all(pages.map((page, j) => framesAboveAt(page, frames[j]!)));
      const inCall = Promise.all(
        pages.map((page) => phaseAt(page, 'call-status', 'in-call', 'reconnecting')),
      );
      coturn = await startCoturn({
        port: coturn.port,
        relayPortRange: coturn.relayPortRange,
        secret: coturn.secret,
        realm: coturn.realm,
      });
      const restartedAt = Date.now();
      const noticedAt = Math.max(...(await reconnecting));
      const framesAt = Math.max(...(await recovered));
      cutToReconnecting.push(round(noticedAt - stoppedAt));
      restartToFrames.push(round(framesAt - restartedAt));
      reconnectingToFrames.push(round(framesAt - noticedAt));
      restartToInCall.push(round(Math.max(...(await inCall)) - restartedAt));
    }
    return {
      cutToReconnecting: distribution(cutToReconnecting),
      restartToFrames: distribution(restartToFrames),
      reconnectingToFrames: distribution(reconnectingToFrames),
      restartToInCall: distribution(restartToInCall),
    };
  } finally {
    for (const context of contexts) await context.close();
    await server?.stop();
    await coturn.stop();
  }
}

async function benchSignaling(
  browser: Browser,
  dataDir: string,
  samples: number,
  outageMs: number,
): Promise<RecoveryResult['signaling']> {
  let server = await startAppelSignal({ dataDir });
  const contexts: BrowserContext[] = [];
  try {
    const a = await openPeer(browser, `${server.url}/`, 'Signal A', false);
    contexts.push(a.context);
    const b = await openPeer(browser, `${server.url}/`, 'Signal B', false);
    contexts.push(b.context);
    const pages = [a.page, b.page];
    await connect(a.page, b.page, 'Signal B');

    const restartToConnected: number[] = [];
    const spawnToListening: number[] = [];
    const framesDuringOutage: number[] = [];
    for (let i = 0; i < samples; i += 1) {
      await settled(pages);
      await Promise.all(pages.map((page) => phaseAt(page, 'signaling-status', 'connected')));
      const port = server.port;
      const stoppedAt = Date.now();
      await server.stop();
      await Promise.all(pages.map((page) => phaseAt(page, 'signaling-status', 'reconnecting')));
      const before = await Promise.all(pages.map(framesDecodedAnywhere));
      await delay(Math.max(0, outageMs - (Date.now() - stoppedAt)));
      const after = await Promise.all(pages.map(framesDecodedAnywhere));
      framesDuringOutage.push(Math.min(...after.map((frames, j) => frames - before[j]!)));
      const connected = Promise.all(
        pages.map((page) => phaseAt(page, 'signaling-status', 'connected')),
      );
      const spawnedAt = Date.now();
      server = await startAppelSignal({ dataDir, args: ['--port', String(port)] });
      const restartedAt = Date.now();
      if (server.port !== port) throw new Error(`appel-signal came back on ${server.port}`);
      spawnToListening.push(round(restartedAt - spawnedAt));
      restartToConnected.push(round(Math.max(...(await connected)) - restartedAt));
      // The call went on without the server.
      await Promise.all(pages.map((page) => phaseAt(page, 'call-status', 'in-call')));
    }
    return {
      restartToConnected: distribution(restartToConnected),
      spawnToListening: distribution(spawnToListening),
      framesDuringOutage,
      framesKeptFlowing: framesDuringOutage.every((frames) => frames > 0),
    };
  } finally {
    for (const context of contexts) await context.close();
    await server.stop();
  }
}

export async function benchRecovery(
  options: { samples?: number; outageMs?: number } = {},
): Promise<RecoveryResult> {
  const samples = options.samples ?? 5;
  const outageMs = options.outageMs ?? 2000;
  const dataDir = await mkdtemp(join(tmpdir(), 'appel-bench-recovery-'));
  try {
    // A first start generates the certificate the browser is told to trust; every later server
    // of this run uses the same data directory, so the same certificate.
    const first = await startAppelSignal({ dataDir });
    const certPem = first.certPem;
    await first.stop();
    const browser = await chromium.launch({
      executablePath: chromiumExecutable(),
      args: benchChromiumArgs({ trustCertPem: certPem }),
    });
    try {
      const turn = await benchTurn(browser, dataDir, samples, outageMs);
      const signaling = await benchSignaling(browser, dataDir, samples, outageMs);
      return { samples, outageMs, turn, signaling };
    } finally {
      await browser.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchRecovery(), null, 2));
}
