/**
 * Call setup in Chromium, as a user lives it, in two parts, since the callee now decides:
 * - ring: the caller's click on Call → the callee's page shows the ring (`appel:call-click` on the
 *   caller, `appel:ring` on the callee; the two pages' clocks are joined by `timeOrigin`);
 * - connect: the callee's click on Accept → the first remote video frame the caller presents
 *   (`requestVideoFrameCallback`'s `metadata.presentationTime`), and the first the callee presents.
 * Two pages on one appel-signal, loopback only; the callee accepts as soon as it rings. With
 * `relayOnly`, through a real coturn the server mints credentials for, every peer connection
 * forced to relay candidates. The fake camera runs at 30 fps ({@link benchChromiumArgs}).
 *
 * Standalone: `sh scripts/private-net.sh npx tsx bench/call-setup.ts` (after `npm run build`).
 */
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from '@playwright/test';
import { Marks } from '../renderer/src/marks.js';
import { startAppelSignal } from '../tests/support/appel-signal.js';
import {
  chromiumArgs,
  chromiumExecutable,
  type ChromiumArgsOptions,
} from '../tests/support/chromium.js';
import { startCoturn, type Coturn } from '../tests/support/coturn.js';
import { forceRelayOnly } from '../tests/e2e/support/page-helpers.js';

export interface Distribution {
  medianMs: number;
  p95Ms: number;
  samplesMs: number[];
}

export interface CallSetupResult {
  calls: number;
  /** Relay-only through a real coturn (every peer connection's `iceTransportPolicy: 'relay'`). */
  relayOnly: boolean;
  /** Call click → the callee's ring. */
  ring: Distribution;
  /** Accept click → the caller's first remote frame. */
  connect: Distribution;
  /** Accept click → the callee's first remote frame. */
  calleeConnect: Distribution;
}

/**
 * The tests' Chromium flags, with the fake camera at 30 fps (Chromium's fake capture device reads
 * `fps=N` from the flag's value; its default is 20), as a real webcam runs.
 */
export function benchChromiumArgs(options: ChromiumArgsOptions = {}): string[] {
  return chromiumArgs(options).map((arg) =>
    arg === '--use-fake-device-for-media-stream' ? `${arg}=fps=30` : arg,
  );
}

const STEP_TIMEOUT_MS = 20_000;

/**
 * tsx (esbuild, `keepNames`) wraps named functions in page functions with `__name(…)`, a helper
 * that exists in Node only: the page gets one that does nothing.
 */
export const KEEP_NAMES_SHIM = 'globalThis.__name = (fn) => fn;';

declare global {
  interface Window {
    /** Resolves with the presentation time of the next remote video frame. */
    __appelBenchFirstFrame?: Promise<number>;
  }
}

/** Joins the room with a name and waits until it is in. */
async function join(page: Page, name: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Your name' }).fill(name);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.getByText(`You are ${name}`).waitFor({ timeout: STEP_TIMEOUT_MS });
}

/** Waits until the page shows no call in progress. */
async function idle(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const phase = document.getElementById('call-status')?.dataset.phase;
      return phase === 'idle' || phase === 'ended' || phase === 'failed';
    },
    undefined,
    { timeout: STEP_TIMEOUT_MS },
  );
}

/** When a mark was set, on the wall clock shared by every page of the machine. */
function markTime(page: Page, mark: string): Promise<number> {
  return page.evaluate((name) => {
    const [entry] = performance.getEntriesByName(name, 'mark');
    if (!entry) throw new Error(`the page set no "${name}" mark`);
    return performance.timeOrigin + entry.startTime;
  }, mark);
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

function median(sorted: number[]): number {
  const middle = sorted.length / 2;
  if (sorted.length === 0) return Number.NaN;
  if (Number.isInteger(middle)) return (sorted[middle - 1]! + sorted[middle]!) / 2;
  return sorted[Math.floor(middle)]!;
}

export const round = (ms: number): number => Math.round(ms * 10) / 10;

export function distribution(samplesMs: number[]): Distribution {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { medianMs: round(median(sorted)), p95Ms: round(percentile(sorted, 0.95)), samplesMs };
}

/** Arms `__appelBenchFirstFrame` on the page's remote video, before the call. */
function armFirstFrame(page: Page): Promise<void> {
  return page.evaluate(() => {
    const video = document.getElementById('remote-video') as HTMLVideoElement;
    window.__appelBenchFirstFrame = new Promise((resolve) => {
      video.requestVideoFrameCallback((_now, metadata) =>
        resolve(performance.timeOrigin + metadata.presentationTime),
      );
    });
  });
}

/** The wall-clock presentation time of the first remote frame since {@link armFirstFrame}. */
function firstFrame(page: Page): Promise<number> {
  return page.evaluate(async (timeoutMs) => {
    const timeout = new Promise<never>((_resolve, reject) =>
      setTimeout(() => reject(new Error('no remote video frame')), timeoutMs),
    );
    return Promise.race([window.__appelBenchFirstFrame!, timeout]);
  }, STEP_TIMEOUT_MS);
}

export async function benchCallSetup(
  options: { calls?: number; relayOnly?: boolean } = {},
): Promise<CallSetupResult> {
  const calls = options.calls ?? 20;
  const relayOnly = options.relayOnly ?? false;
  let coturn: Coturn | undefined;
  if (relayOnly) coturn = await startCoturn();
  const server = await startAppelSignal({
    args: coturn ? ['--turn-secret', coturn.secret, '--turn-urls', coturn.url] : [],
  }).catch(async (error: unknown) => {
    await coturn?.stop();
    throw error;
  });
  const browser = await chromium.launch({
    executablePath: chromiumExecutable(),
    args: benchChromiumArgs({ trustCertPem: server.certPem }),
  });
  try {
    const open = async (name: string): Promise<Page> => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
      if (relayOnly) {
        await context.addInitScript({ content: KEEP_NAMES_SHIM });
        await context.addInitScript(forceRelayOnly);
      }
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      await join(page, name);
      return page;
    };
    const caller = await open('Caller');
    const callee = await open('Callee');
    const callButton = caller.getByRole('button', { name: 'Call Callee' });
    const acceptButton = callee.getByRole('button', { name: 'Accept' });
    await callButton.waitFor({ timeout: STEP_TIMEOUT_MS });

    const ring: number[] = [];
    const connect: number[] = [];
    const calleeConnect: number[] = [];
    for (let i = 0; i < calls; i += 1) {
      for (const page of [caller, callee]) {
        await page.evaluate(() => performance.clearMarks());
        await armFirstFrame(page);
      }
      await callButton.click();
      await acceptButton.click({ timeout: STEP_TIMEOUT_MS });
      const [presented, calleePresented] = await Promise.all([
        firstFrame(caller),
        firstFrame(callee),
      ]);
      const [clicked, rang, accepted] = await Promise.all([
        markTime(caller, Marks.callClick),
        markTime(callee, Marks.ring),
        markTime(callee, Marks.acceptClick),
      ]);
      ring.push(round(rang - clicked));
      connect.push(round(presented - accepted));
      calleeConnect.push(round(calleePresented - accepted));
      await caller.getByRole('button', { name: 'Hang up' }).click();
      await Promise.all([idle(caller), idle(callee)]);
    }
    return {
      calls,
      relayOnly,
      ring: distribution(ring),
      connect: distribution(connect),
      calleeConnect: distribution(calleeConnect),
    };
  } finally {
    await browser.close();
    await server.stop();
    await coturn?.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchCallSetup(), null, 2));
}
