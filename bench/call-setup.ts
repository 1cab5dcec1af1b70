/**
 * Call setup time in Chromium: from the click on Call (the page's `appel:call-click` mark) to
 * the first remote video frame the caller presents (`requestVideoFrameCallback`'s
 * `metadata.presentationTime`, in the same clock). Two pages on one appel-signal, loopback only.
 *
 * Standalone: `sh scripts/private-net.sh npx tsx bench/call-setup.ts` (after `npm run build`).
 */
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from '@playwright/test';
import { startAppelSignal } from '../tests/support/appel-signal.js';
import { chromiumArgs, chromiumExecutable } from '../tests/support/chromium.js';

export interface CallSetupResult {
  calls: number;
  medianMs: number;
  p95Ms: number;
  samplesMs: number[];
}

const CALL_CLICK_MARK = 'appel:call-click';
const STEP_TIMEOUT_MS = 20_000;

declare global {
  interface Window {
    /** Resolves with the presentation time of the next remote video frame. */
    __appelBenchFirstFrame?: Promise<number>;
  }
}

async function selfId(page: Page): Promise<string> {
  const input = page.getByRole('textbox', { name: 'Your id' });
  await page.waitForFunction(
    () => (document.getElementById('self-id') as HTMLInputElement | null)?.value,
    undefined,
    { timeout: STEP_TIMEOUT_MS },
  );
  return input.inputValue();
}

/** Waits until the page shows no call in progress. */
async function idle(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const status = document.getElementById('call-status')?.dataset.phase;
      return status !== 'connecting' && status !== 'in-call' && status !== 'reconnecting';
    },
    undefined,
    { timeout: STEP_TIMEOUT_MS },
  );
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

const round = (ms: number): number => Math.round(ms * 10) / 10;

export async function benchCallSetup(options: { calls?: number } = {}): Promise<CallSetupResult> {
  const calls = options.calls ?? 20;
  const server = await startAppelSignal();
  const browser = await chromium.launch({
    executablePath: chromiumExecutable(),
    args: chromiumArgs({ trustCertPem: server.certPem }),
  });
  try {
    const open = async (): Promise<Page> => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      return page;
    };
    const caller = await open();
    const callee = await open();
    const calleeId = await selfId(callee);
    await selfId(caller);
    const callButton = caller.getByRole('button', { name: `Call ${calleeId}` });
    await callButton.waitFor({ timeout: STEP_TIMEOUT_MS });

    const samplesMs: number[] = [];
    for (let i = 0; i < calls; i += 1) {
      await caller.evaluate((mark) => {
        performance.clearMarks(mark);
        const video = document.getElementById('remote-video') as HTMLVideoElement;
        window.__appelBenchFirstFrame = new Promise((resolve) => {
          video.requestVideoFrameCallback((_now, metadata) => resolve(metadata.presentationTime));
        });
      }, CALL_CLICK_MARK);
      await callButton.click();
      const sample = await caller.evaluate(
        async ({ mark, timeoutMs }) => {
          const timeout = new Promise<never>((_resolve, reject) =>
            setTimeout(() => reject(new Error('no remote video frame')), timeoutMs),
          );
          const presented = await Promise.race([window.__appelBenchFirstFrame!, timeout]);
          const [click] = performance.getEntriesByName(mark, 'mark');
          if (!click) throw new Error(`the page set no "${mark}" mark`);
          return presented - click.startTime;
        },
        { mark: CALL_CLICK_MARK, timeoutMs: STEP_TIMEOUT_MS },
      );
      samplesMs.push(round(sample));
      await caller.getByRole('button', { name: 'Hang up' }).click();
      await Promise.all([idle(caller), idle(callee)]);
    }
    const sorted = [...samplesMs].sort((a, b) => a - b);
    return {
      calls,
      medianMs: round(median(sorted)),
      p95Ms: round(percentile(sorted, 0.95)),
      samplesMs,
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchCallSetup(), null, 2));
}
