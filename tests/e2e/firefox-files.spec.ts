/**
 * File transfer between a Firefox guest (puppeteer-core over WebDriver BiDi) and a Chromium page in
 * a real call on the real appel-signal: a file goes each way, only after Accept, and the bytes the
 * receiver keeps have the sender's SHA-256.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { formatInvite } from '../../common/invite.js';
import { newRoomId, newRoomKey } from '../../common/protocol.js';
import type { AppelSignal } from '../support/appel-signal.js';
import { createCleanups } from '../support/cleanups.js';
import { launchFirefox, openFirefoxPage } from '../support/firefox.js';
import { startCallBed, stopCallBed } from './support/call-bed.js';
import { randomFile, sendFiles, sha256File, transferRow } from './support/file-helpers.js';
import { aria, foxKeptSha256s, waitForFoxTransfer } from './support/firefox-file-helpers.js';
import { callPeer, callStatus, openPeer } from './support/page-helpers.js';

const MB = 1000 * 1000;

let server: AppelSignal;
let browser: Browser;
let filesDir: string;
const cleanups = createCleanups();

test.beforeAll(async () => {
  ({ server, browser } = await startCallBed());
  filesDir = await mkdtemp(join(tmpdir(), 'appel-fox-files-'));
});
test.afterAll(async () => {
  await stopCallBed(server, browser);
  await rm(filesDir, { recursive: true, force: true });
});
test.afterEach(() => cleanups.run());

/** Saves the received file as the user would (the Save link), and returns its SHA-256. */
async function download(page: Page, name: string): Promise<string> {
  const save = page.getByRole('link', { name: `Save ${name}` });
  const [saved] = await Promise.all([page.waitForEvent('download'), save.click()]);
  expect(saved.suggestedFilename()).toBe(name);
  return sha256File(await saved.path());
}

test('files go both ways between a Firefox guest and a Chromium page, intact', async () => {
  test.setTimeout(120_000);
  const toFox = await randomFile(filesDir, 'to-firefox.bin', 5 * MB);
  const toChrome = await randomFile(filesDir, 'to-chromium.bin', 3 * MB);

  const firefox = await launchFirefox();
  cleanups.push(() => firefox.close());
  const invite = formatInvite({ url: server.url, room: newRoomId(), key: newRoomKey() });
  const opened = await openFirefoxPage(firefox, invite);
  cleanups.push(() => opened.close());
  const fox = opened.page;
  await fox.locator(aria('textbox', 'Your name')).fill('Fox');
  await fox.locator(aria('button', 'Join')).click();
  const chrome = await openPeer(browser, invite, { name: 'Chrome' });
  cleanups.push(() => chrome.context.close());

  await callPeer(chrome.page, 'Fox');
  await fox.locator(aria('button', 'Accept')).click();
  await expect(callStatus(chrome.page)).toHaveText('In call with Fox');
  await expect(chrome.page.getByLabel('Send a file')).toBeEnabled();
  await fox.waitForSelector('#files-input:enabled');

  // Chromium → Firefox: offered, accepted in Firefox, kept there with the same bytes.
  await sendFiles(chrome.page, [toFox.path]);
  await waitForFoxTransfer(fox, toFox.name, 'Chrome wants to send you this file.');
  await fox.locator(aria('button', `Accept ${toFox.name}`)).click();
  await waitForFoxTransfer(fox, toFox.name, 'Received intact: save it to keep it.');
  await expect(transferRow(chrome.page, toFox.name)).toContainText('Sent: Fox received it intact.');
  // Firefox offers it to save, and the file it keeps for that has the sent bytes.
  await fox.waitForSelector(aria('link', `Save ${toFox.name}`));
  expect(await foxKeptSha256s(fox)).toEqual([toFox.sha256]);

  // Firefox → Chromium: picked in Firefox's file input, accepted and saved in Chromium.
  const input = await fox.waitForSelector('input#files-input');
  await input!.uploadFile(toChrome.path);
  const offer = transferRow(chrome.page, toChrome.name);
  await expect(offer).toContainText('Fox wants to send you this file.');
  await offer.getByRole('button', { name: `Accept ${toChrome.name}` }).click();
  await expect(offer).toContainText('Received intact: save it to keep it.', { timeout: 60_000 });
  await waitForFoxTransfer(fox, toChrome.name, 'Sent: Chrome received it intact.');
  expect(await download(chrome.page, toChrome.name)).toBe(toChrome.sha256);
});
