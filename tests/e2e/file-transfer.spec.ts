/**
 * File transfer in a real call between real Chromium pages on the real appel-signal: a 50 MB file
 * arrives with the same SHA-256 (taken as the download a user saves), a chunk damaged on the way
 * is caught and nothing is kept, a cancel on either side stops both, a declined file sends
 * nothing, and dropped files queue. Then the desktop app's path (the real preload bridge, main's
 * IPC handlers and Downloads over a temp folder): received files land in Downloads under their
 * own name, then "name (1).ext", with no `.part` left.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import type { AppelSignal } from '../support/appel-signal.js';
import { startCallBed, stopCallBed } from './support/call-bed.js';
import { createCleanups } from '../support/cleanups.js';
import { DesktopHarness, hostFromPage } from './support/electron-call.js';
import {
  corruptFileChunk,
  fileChannels,
  fileChannelStates,
  privateFiles,
  progressOf,
  randomFile,
  sendFiles,
  sha256File,
  slowDiskWrites,
  startCall,
  transferRow,
  type TestFile,
} from './support/file-helpers.js';
import { bundlePreloadBridge } from './support/ipc-transport.js';
import {
  acceptCall,
  callPeer,
  cspViolations,
  joinAs,
  openPeer,
  type PeerPage,
} from './support/page-helpers.js';

const MB = 1000 * 1000;

let filesDir: string;
/** 50 MB of pseudo-random bytes. */
let big: TestFile;

test.beforeAll(async () => {
  filesDir = await mkdtemp(join(tmpdir(), 'appel-files-'));
  big = await randomFile(filesDir, 'big.bin', 50 * MB);
});

test.afterAll(async () => {
  await rm(filesDir, { recursive: true, force: true });
});

/** Saves the received file as the user would (the Save link), and returns its SHA-256. */
async function download(page: Page, name: string): Promise<string> {
  const save = page.getByRole('link', { name: `Save ${name}` });
  const [saved] = await Promise.all([page.waitForEvent('download'), save.click()]);
  expect(saved.suggestedFilename()).toBe(name);
  return sha256File(await saved.path());
}

test.describe('between browsers', () => {
  let server: AppelSignal;
  let browser: Browser;
  let peers: PeerPage[] = [];

  test.beforeAll(async () => ({ server, browser } = await startCallBed()));
  test.afterAll(() => stopCallBed(server, browser));

  test.afterEach(async () => {
    await Promise.all(peers.map(({ context }) => context.close()));
    peers = [];
  });

  /** Two peers in a call, `a` having called `b`. */
  async function inCall(): Promise<[PeerPage, PeerPage]> {
    const a = await openPeer(browser, `${server.url}/`);
    const b = await openPeer(browser, `${server.url}/`);
    peers.push(a, b);
    await startCall(a, b);
    return [a, b];
  }

  test('a 50 MB file arrives with the same SHA-256, only after Accept', async () => {
    const [a, b] = await inCall();

    await sendFiles(a.page, [big.path]);

    const offer = transferRow(b.page, big.name);
    await expect(offer).toContainText(`${a.name} wants to send you this file.`);
    await expect(offer).toContainText(`50 MB · from ${a.name}`);
    await expect(transferRow(a.page, big.name)).toContainText(`Waiting for ${b.name} to accept…`);
    // Nothing of the file has left before Accept: no channel for it exists on either side.
    expect(await fileChannels(a.page)).toEqual([]);
    expect(await fileChannels(b.page)).toEqual([]);

    await offer.getByRole('button', { name: `Accept ${big.name}` }).click();

    await expect(offer).toContainText('Received intact: save it to keep it.', { timeout: 60_000 });
    expect(await progressOf(b.page, big.name)).toBe(big.size);
    await expect(transferRow(a.page, big.name)).toContainText(
      `Sent: ${b.name} received it intact.`,
    );
    expect(await progressOf(a.page, big.name)).toBe(big.size);
    expect(await download(b.page, big.name)).toBe(big.sha256);
    // One channel carried the file, and exactly its bytes; it closed once the file was checked.
    await expect
      .poll(() => fileChannels(b.page))
      .toEqual([{ state: 'closed', bytesReceived: big.size }]);
    for (const { page } of [a, b]) expect(await cspViolations(page)).toEqual([]);
  });

  test('a chunk damaged on the way is detected: the receiver keeps nothing', async () => {
    const [a, b] = await inCall();
    await corruptFileChunk(a.page, 10);

    await sendFiles(a.page, [big.path]);
    await transferRow(b.page, big.name)
      .getByRole('button', { name: `Accept ${big.name}` })
      .click();

    const damaged = 'The file arrived damaged (its SHA-256 does not match): it was not kept.';
    await expect(transferRow(b.page, big.name)).toContainText(damaged, { timeout: 60_000 });
    await expect(b.page.getByRole('alert')).toContainText(damaged);
    await expect(transferRow(a.page, big.name)).toContainText(
      `${b.name} received a damaged copy (SHA-256 mismatch): it was not kept.`,
    );
    await expect(b.page.getByRole('link', { name: `Save ${big.name}` })).toHaveCount(0);
    await expect.poll(() => privateFiles(b.page)).toBe(0);
  });

  for (const canceller of ['sender', 'receiver'] as const) {
    test(`a cancel on the ${canceller}'s side stops both sides`, async () => {
      const [a, b] = await inCall();
      // A slow disk at the receiver keeps the transfer going long enough to cancel it.
      await slowDiskWrites(b.page, 150);
      await sendFiles(a.page, [big.path]);
      await transferRow(b.page, big.name)
        .getByRole('button', { name: `Accept ${big.name}` })
        .click();
      // Under way on both sides, with speed and time left.
      await expect(transferRow(a.page, big.name)).toContainText(/\/s · .+ left/);
      await expect(transferRow(b.page, big.name)).toContainText(/\/s · .+ left/);
      expect(await progressOf(b.page, big.name)).toBeGreaterThan(0);

      const [own, other] = canceller === 'sender' ? [a, b] : [b, a];
      await transferRow(own.page, big.name)
        .getByRole('button', { name: `Cancel ${big.name}` })
        .click();

      await expect(transferRow(own.page, big.name)).toContainText('You cancelled the transfer.');
      await expect(transferRow(other.page, big.name)).toContainText(
        `${own.name} cancelled the transfer.`,
      );
      for (const { page } of [a, b]) {
        await expect.poll(() => fileChannelStates(page)).toEqual(['closed']);
        await expect(page.getByRole('button', { name: `Cancel ${big.name}` })).toBeHidden();
      }
      await expect(b.page.getByRole('link', { name: `Save ${big.name}` })).toHaveCount(0);
      await expect.poll(() => privateFiles(b.page)).toBe(0);
      // The receiver stopped where it was: the bytes never reached the end.
      expect(await progressOf(b.page, big.name)).toBeLessThan(big.size);
    });
  }

  test('dropped files queue; a declined one sends nothing, the accepted one arrives', async () => {
    const [a, b] = await inCall();
    const session = a.page.locator('#session');
    const files = await a.page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['not wanted'], 'declined.txt', { type: 'text/plain' }));
      transfer.items.add(new File(['hello '.repeat(100_000)], 'notes.txt'));
      return transfer;
    });

    await session.dispatchEvent('dragenter', { dataTransfer: files });
    await expect(a.page.getByText(`Drop to send to ${b.name}`)).toBeVisible();
    await session.dispatchEvent('drop', { dataTransfer: files });

    await expect(a.page.getByText(`Drop to send to ${b.name}`)).toBeHidden();
    const declined = transferRow(b.page, 'declined.txt');
    await declined.getByRole('button', { name: 'Decline declined.txt' }).click();
    await expect(declined).toContainText('You declined the file.');
    await expect(transferRow(a.page, 'declined.txt')).toContainText(`${b.name} declined the file.`);
    expect(await fileChannels(a.page)).toEqual([]);
    expect(await fileChannels(b.page)).toEqual([]);

    await transferRow(b.page, 'notes.txt')
      .getByRole('button', { name: 'Accept notes.txt' })
      .click();

    await expect(transferRow(b.page, 'notes.txt')).toContainText('Received intact');
    const save = b.page.getByRole('link', { name: 'Save notes.txt' });
    const [saved] = await Promise.all([b.page.waitForEvent('download'), save.click()]);
    const text = await saved.createReadStream().then(async (stream) => {
      let content = '';
      for await (const chunk of stream) content += String(chunk);
      return content;
    });
    expect(text).toBe('hello '.repeat(100_000));
    // One channel only, for the accepted file, and it carried exactly that file.
    expect((await fileChannels(b.page)).map(({ bytesReceived }) => bytesReceived)).toEqual([
      600_000,
    ]);
  });

  test('a call whose caller makes no files channel says file transfer is unavailable', async () => {
    const a = await openPeer(browser, `${server.url}/`);
    const b = await openPeer(browser, `${server.url}/`);
    peers.push(a, b);
    // As the tutorial's page: the caller's offer carries none of Appel's channels.
    await a.page.evaluate(() => {
      const proto = RTCPeerConnection.prototype;
      const create = Reflect.get(proto, 'createDataChannel');
      proto.createDataChannel = function (this: RTCPeerConnection, label, init) {
        return create.call(this, `other:${label}`, init);
      };
    });

    await callPeer(a.page, b.name);
    await acceptCall(b.page, a.name);

    for (const { page } of [a, b]) {
      await expect(
        page.getByText(
          'File transfer is not available in this call: the other side’s app does not support it.',
        ),
      ).toBeVisible();
      await expect(page.getByRole('button', { name: 'Send a file' })).toBeDisabled();
    }
  });
});

test.describe('into the desktop app’s Downloads', () => {
  const HOST = 'Hana';
  const GUEST = 'Gus';
  const cleanups = createCleanups();
  let preloadBundle: string;

  test.beforeAll(async () => {
    preloadBundle = await bundlePreloadBridge();
  });

  test.afterEach(() => cleanups.run());

  test('a received file lands in Downloads under its name, then as "name (1).ext"', async () => {
    const desktop = new DesktopHarness(cleanups, preloadBundle);
    const { host, browser } = await desktop.host(HOST);
    const invite = await hostFromPage(host.page, HOST);
    const guest = await desktop.guest(browser, invite);
    await joinAs(guest, GUEST);
    await startCall(
      { page: guest, name: GUEST, context: guest.context() },
      { page: host.page, name: HOST, context: host.page.context() },
    );
    const report = await randomFile(filesDir, 'report.pdf', 8 * MB);

    for (const [round, savedAs] of [
      [0, 'report.pdf'],
      [1, 'report (1).pdf'],
    ] as const) {
      await sendFiles(guest, [report.path]);
      const offer = transferRow(host.page, report.name).nth(0);
      await expect(offer).toContainText(`${GUEST} wants to send you this file.`);
      await offer.getByRole('button', { name: `Accept ${report.name}` }).click();

      await expect(offer).toContainText(`Saved in Downloads as ${savedAs}.`, { timeout: 60_000 });
      expect((await readdir(host.downloadsDir)).sort()).toEqual(
        ['report.pdf', 'report (1).pdf'].slice(0, round + 1).sort(),
      );
      expect(await sha256File(join(host.downloadsDir, savedAs))).toBe(report.sha256);
      await expect(transferRow(guest, report.name).nth(0)).toContainText(
        `Sent: ${HOST} received it intact.`,
      );
    }
    expect(host.refused).toEqual([]);
  });
});
