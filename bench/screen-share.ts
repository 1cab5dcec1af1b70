/**
 * CPU while sharing a screen: two Chromium pages in a call on one appel-signal (loopback only),
 * the CPU time all of Chromium's processes use (/proc/<pid>/stat, the browser and every process
 * under it: renderers, GPU, network, audio) over a window with the camera sent, then the same
 * window with Chromium's fake screen (1280×720) sent in its place, then the camera again. The
 * camera windows are the baseline of the same run, since the machine's load varies; the ratio is
 * sharing / mean(camera before, camera after). Both pages run in this one browser, so the figures
 * hold the sender's capture and encoding and the receiver's decoding together.
 *
 * Standalone: `sh scripts/private-net.sh npx tsx bench/screen-share.ts` (after `npm run build`);
 * APPEL_BENCH_SHARE_SECONDS sets each window (default 15).
 */
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from '@playwright/test';
import { startAppelSignal } from '../tests/support/appel-signal.js';
import { chromiumExecutable } from '../tests/support/chromium.js';
import { CAMERA_ASPECT, remoteAspect, SCREEN_ASPECT } from '../tests/e2e/support/screen-share.js';
import { benchChromiumArgs, KEEP_NAMES_SHIM } from './call-setup.js';

export interface CpuWindow {
  /** CPU seconds (user + system) Chromium's processes used in the window. */
  cpuSeconds: number;
  /** The same as a share of one core: 100 is one core busy all the time. */
  cpuPercentOfOneCore: number;
  /** What the callee showed: the remote picture's size and the frames it presented per second. */
  remote: { width: number; height: number; fps: number };
}

export interface ScreenShareResult {
  windowSeconds: number;
  camera: CpuWindow;
  sharing: CpuWindow;
  cameraAfter: CpuWindow;
  /** sharing.cpuSeconds / mean of the two camera windows. */
  ratio: number;
}

const STEP_TIMEOUT_MS = 20_000;
/** After a switch the encoder ramps up its bitrate and resolution: let it settle first. */
const SETTLE_MS = 3_000;
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, in clock ticks. */
  ticks: number;
}

/** Every process's parent, name and CPU ticks so far. */
async function processes(): Promise<ProcStat[]> {
  const stats: ProcStat[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const text = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => null);
    if (!text) continue; // Exited meanwhile.
    // `comm` is in parentheses and may hold spaces; the fields after it are plain.
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    stats.push({
      pid: Number(entry),
      ppid: Number(fields[1]),
      comm: text.slice(text.indexOf('(') + 1, close),
      ticks: Number(fields[11]) + Number(fields[12]),
    });
  }
  return stats;
}

/** CPU ticks of each Chromium process: those this process started, and all under them. */
async function chromiumTicks(): Promise<Map<number, number>> {
  const all = await processes();
  const tree = new Set(
    all.filter((p) => p.ppid === process.pid && /chrom/i.test(p.comm)).map((p) => p.pid),
  );
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (tree.has(p.ppid) && !tree.has(p.pid)) {
        tree.add(p.pid);
        grew = true;
      }
    }
  }
  if (tree.size === 0) throw new Error('no Chromium process under this one');
  return new Map(all.filter((p) => tree.has(p.pid)).map((p) => [p.pid, p.ticks]));
}

/** Frames the page's remote video presented so far, and its size. */
function presented(page: Page): Promise<{ frames: number; width: number; height: number }> {
  return page.getByLabel('Remote video', { exact: true }).evaluate((video: HTMLVideoElement) => ({
    frames: video.getVideoPlaybackQuality().totalVideoFrames,
    width: video.videoWidth,
    height: video.videoHeight,
  }));
}

async function measure(callee: Page, windowMs: number): Promise<CpuWindow> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const before = await chromiumTicks();
  const framesBefore = await presented(callee);
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const after = await chromiumTicks();
  const framesAfter = await presented(callee);
  const seconds = (performance.now() - started) / 1000;
  let ticks = 0;
  // A process born in the window counts from zero; one that died in it is lost (rare, small).
  for (const [pid, used] of after) ticks += used - (before.get(pid) ?? 0);
  const cpuSeconds = ticks / CLOCK_TICKS;
  return {
    cpuSeconds: Math.round(cpuSeconds * 100) / 100,
    cpuPercentOfOneCore: Math.round((cpuSeconds / seconds) * 1000) / 10,
    remote: {
      width: framesAfter.width,
      height: framesAfter.height,
      fps: Math.round(((framesAfter.frames - framesBefore.frames) / seconds) * 10) / 10,
    },
  };
}

async function waitForAspect(page: Page, aspect: number): Promise<void> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (Math.abs((await remoteAspect(page)) - aspect) > 0.02) {
    if (Date.now() > deadline) throw new Error(`the remote video never became ${aspect}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function benchScreenShare(windowSeconds = 15): Promise<ScreenShareResult> {
  const server = await startAppelSignal();
  const browser = await chromium.launch({
    executablePath: chromiumExecutable(),
    args: benchChromiumArgs({ trustCertPem: server.certPem }),
  });
  try {
    const open = async (name: string): Promise<Page> => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
      await context.addInitScript({ content: KEEP_NAMES_SHIM });
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      await page.getByRole('textbox', { name: 'Your name' }).fill(name);
      await page.getByRole('button', { name: 'Join', exact: true }).click();
      await page.getByText(`You are ${name}`).waitFor({ timeout: STEP_TIMEOUT_MS });
      return page;
    };
    const caller = await open('Caller');
    const callee = await open('Callee');
    await caller.getByRole('button', { name: 'Call Callee' }).click({ timeout: STEP_TIMEOUT_MS });
    await callee.getByRole('button', { name: 'Accept' }).click({ timeout: STEP_TIMEOUT_MS });
    await waitForAspect(callee, CAMERA_ASPECT);

    const windowMs = windowSeconds * 1000;
    const camera = await measure(callee, windowMs);
    await caller.getByRole('button', { name: 'Share screen' }).click();
    await waitForAspect(callee, SCREEN_ASPECT);
    const sharing = await measure(callee, windowMs);
    await caller.getByRole('button', { name: 'Stop sharing' }).click();
    await waitForAspect(callee, CAMERA_ASPECT);
    const cameraAfter = await measure(callee, windowMs);
    await caller.getByRole('button', { name: 'Hang up' }).click();

    const baseline = (camera.cpuSeconds + cameraAfter.cpuSeconds) / 2;
    return {
      windowSeconds,
      camera,
      sharing,
      cameraAfter,
      ratio: Math.round((sharing.cpuSeconds / baseline) * 1000) / 1000,
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seconds = Number(process.env.APPEL_BENCH_SHARE_SECONDS ?? 15);
  const result = await benchScreenShare(seconds);
  console.log(JSON.stringify({ date: new Date().toISOString(), screenShare: result }, null, 2));
}
