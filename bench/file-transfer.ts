/**
 * File transfer on loopback, in Chromium: two pages in a call send files of pseudo-random bytes
 * (256 MB and 1 GiB by default, one after the other in the same call) and the receiver saves
 * them. Measured: Accept → "received intact" on the receiving page (every byte across, written to
 * its private file system and hashed), as MB/s; and, while each file arrives, the receiving
 * page's peak JS heap and ArrayBuffer memory (CDP `Runtime.getHeapUsage`) and its renderer
 * process's peak resident memory (`/proc`), to show that the file is not held in memory. The
 * saved download's SHA-256 is checked against the file sent.
 *
 * The receiver runs in a browser profile on disk (not an incognito context), so its private file
 * system is on disk, as a user's is.
 *
 * Standalone: `sh scripts/private-net.sh npx tsx bench/file-transfer.ts` (after `npm run build`);
 * `APPEL_BENCH_FILE_SIZES=268435456,1073741824` sets the sizes in bytes.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type CDPSession, type Page } from '@playwright/test';
import { CHUNK_SIZE } from '../renderer/src/file-protocol.js';
import { startAppelSignal } from '../tests/support/appel-signal.js';
import { chromiumArgs, chromiumExecutable } from '../tests/support/chromium.js';
import { randomFile, sha256File } from '../tests/e2e/support/file-helpers.js';
import { acceptCall, callPeer, joinAs } from '../tests/e2e/support/page-helpers.js';

export interface FileTransferRun {
  bytes: number;
  /** Accept → the receiver shows the file received intact. */
  seconds: number;
  /** Decimal megabytes (10^6 bytes) per second over {@link seconds}. */
  megabytesPerSecond: number;
  /** The download the receiver saved has the SHA-256 of the file sent. */
  sha256Matches: boolean;
  /** The receiving page, while the file arrived: peaks, in MB. */
  receiver: {
    jsHeapBeforeMB: number;
    peakJsHeapMB: number;
    /** ArrayBuffer backing stores (outside the JS heap), where received chunks live. */
    peakArrayBuffersMB: number;
    peakRendererRssMB: number;
  };
}

export interface FileTransferResult {
  chunkBytes: number;
  runs: FileTransferRun[];
}

const MiB = 1024 * 1024;
const DEFAULT_SIZES = [256 * MiB, 1024 * MiB];
const STEP_TIMEOUT_MS = 30_000;
const SAMPLE_INTERVAL_MS = 200;
/** A transfer slower than 2 MB/s is taken as stuck. */
const MIN_BYTES_PER_MS = 2000;

const mb = (bytes: number): number => Math.round((bytes / 1e6) * 10) / 10;

/** Kilobytes from a `/proc/<pid>/status` field such as `VmRSS`. */
function statusField(status: string, field: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
}

/** The renderer processes of the Chromium whose profile is `userDataDir`. */
async function rendererPids(userDataDir: string): Promise<number[]> {
  const processes = new Map<number, { parent: number; commandLine: string }>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const [status, commandLine] = await Promise.all([
        readFile(`/proc/${entry}/status`, 'utf8'),
        readFile(`/proc/${entry}/cmdline`, 'utf8'),
      ]);
      processes.set(Number(entry), {
        parent: Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0),
        commandLine: commandLine.replaceAll('\0', ' '),
      });
    } catch {
      // The process ended while the list was read: it is none of ours.
      continue;
    }
  }
  const browserPid = [...processes].find(
    ([, { commandLine }]) =>
      commandLine.includes(`--user-data-dir=${userDataDir}`) && !commandLine.includes('--type='),
  )?.[0];
  const descends = (pid: number): boolean => {
    for (let at = processes.get(pid); at; at = processes.get(at.parent)) {
      if (at.parent === browserPid) return true;
    }
    return false;
  };
  return [...processes]
    .filter(([pid, { commandLine }]) => commandLine.includes('--type=renderer') && descends(pid))
    .map(([pid]) => pid);
}

/** Peak memory of the receiving page while `during` runs, sampled every 200 ms. */
async function sampleMemory<T>(
  cdp: CDPSession,
  pids: number[],
  during: () => Promise<T>,
): Promise<{ value: T; peakHeap: number; peakBuffers: number; peakRss: number }> {
  let peakHeap = 0;
  let peakBuffers = 0;
  let peakRss = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const usage = (await cdp.send('Runtime.getHeapUsage')) as {
        usedSize: number;
        backingStorageSize?: number;
      };
      peakHeap = Math.max(peakHeap, usage.usedSize);
      peakBuffers = Math.max(peakBuffers, usage.backingStorageSize ?? 0);
      for (const pid of pids) {
        const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
        peakRss = Math.max(peakRss, statusField(status, 'VmRSS') * 1024);
      }
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_INTERVAL_MS));
    }
  })();
  try {
    const value = await during();
    return { value, peakHeap, peakBuffers, peakRss };
  } finally {
    sampling = false;
    await sampler;
  }
}

/** Joins as `name` in a page of `context`. */
async function joinIn(context: BrowserContext, url: string, name: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await joinAs(page, name);
  return page;
}

export async function benchFileTransfer(
  sizes: number[] = DEFAULT_SIZES,
): Promise<FileTransferResult> {
  const server = await startAppelSignal();
  const workDir = await mkdtemp(join(tmpdir(), 'appel-bench-files-'));
  const profileDir = join(workDir, 'receiver-profile');
  const args = chromiumArgs({ trustCertPem: server.certPem });
  const senderBrowser = await chromium.launch({ executablePath: chromiumExecutable(), args });
  const receiverContext = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumExecutable(),
    args,
    viewport: { width: 1280, height: 720 },
    acceptDownloads: true,
  });
  try {
    const sender = await joinIn(await senderBrowser.newContext(), `${server.url}/`, 'Sender');
    const receiver = await joinIn(receiverContext, `${server.url}/`, 'Receiver');
    await callPeer(sender, 'Receiver');
    await acceptCall(receiver, 'Sender');
    await sender.waitForFunction(
      () => !(document.getElementById('files-input') as HTMLInputElement).disabled,
      undefined,
      { timeout: STEP_TIMEOUT_MS },
    );
    const cdp = await receiverContext.newCDPSession(receiver);
    const pids = await rendererPids(profileDir);

    const runs: FileTransferRun[] = [];
    for (const [index, size] of sizes.entries()) {
      const file = await randomFile(workDir, `bench-${index}.bin`, size);
      await sender.getByLabel('Send a file').setInputFiles(file.path);
      const row = receiver.getByRole('listitem').filter({ hasText: file.name });
      const accept = row.getByRole('button', { name: `Accept ${file.name}` });
      await accept.waitFor({ timeout: STEP_TIMEOUT_MS });
      await cdp.send('HeapProfiler.collectGarbage');
      const before = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };

      const { value: seconds, ...peaks } = await sampleMemory(cdp, pids, async () => {
        const start = performance.now();
        await accept.click();
        await row
          .getByText('Received intact: save it to keep it.')
          .waitFor({ timeout: STEP_TIMEOUT_MS + size / MIN_BYTES_PER_MS });
        return (performance.now() - start) / 1000;
      });

      const save = row.getByRole('link', { name: `Save ${file.name}` });
      const [download] = await Promise.all([receiver.waitForEvent('download'), save.click()]);
      const received = await download.path();
      const sha256Matches = (await sha256File(received)) === file.sha256;
      await download.delete();
      // Frees the receiver's copy in its private file system, and the file sent.
      await row.getByRole('button', { name: `Dismiss ${file.name}` }).click();
      await rm(file.path);

      runs.push({
        bytes: size,
        seconds: Math.round(seconds * 100) / 100,
        megabytesPerSecond: mb(size / seconds),
        sha256Matches,
        receiver: {
          jsHeapBeforeMB: mb(before.usedSize),
          peakJsHeapMB: mb(peaks.peakHeap),
          peakArrayBuffersMB: mb(peaks.peakBuffers),
          peakRendererRssMB: mb(peaks.peakRss),
        },
      });
    }
    return { chunkBytes: CHUNK_SIZE, runs };
  } finally {
    await receiverContext.close();
    await senderBrowser.close();
    await server.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sizes = process.env.APPEL_BENCH_FILE_SIZES?.split(',').map(Number);
  console.log(JSON.stringify(await benchFileTransfer(sizes), null, 2));
}
