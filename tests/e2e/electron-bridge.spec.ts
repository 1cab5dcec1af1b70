/**
 * Electron path in Chromium: the app's real preload bridge (preload/bridge.ts), main's real IPC
 * handlers and event forwarding (main/ipc.ts) and the real host/join controller
 * (main/session.ts) with its embedded server, with only Electron's IPC transport substituted
 * (support/ipc-transport.ts, support/electron-call.ts). A desktop page hosts; plain browser
 * guests open the invite and a desktop guest pastes it; real calls with fake camera and
 * microphone, and the invite's key checked by the real server.
 */
import { expect, test, type Page } from '@playwright/test';
import { formatInvite, parseInvite } from '../../common/invite.js';
import { createCleanups } from '../support/cleanups.js';
import {
  callStatus,
  DesktopHarness,
  expectMediaOnEverySide,
  hostFromPage,
  joinFromPage,
} from './support/electron-call.js';
import { bundlePreloadBridge } from './support/ipc-transport.js';
import {
  acceptCall,
  callPeer,
  connectionStates,
  inboundStats,
  joinAs,
  localIce,
} from './support/page-helpers.js';

const HOST = 'Hana';
const GUEST = 'Gus';

let preloadBundle: string;
const cleanups = createCleanups();
let desktop: DesktopHarness;

test.beforeAll(async () => {
  preloadBundle = await bundlePreloadBridge();
});

test.beforeEach(() => {
  desktop = new DesktopHarness(cleanups, preloadBundle);
});

test.afterEach(() => cleanups.run());

/** Types a name and clicks Join, for a page the server is expected to refuse. */
async function tryToJoin(page: Page, name: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Your name' }).fill(name);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
}

/** What a refused browser guest sees: the refusal in words, and nobody's name. */
async function expectRefused(page: Page, reason: string, hidden: string[]): Promise<void> {
  await expect(page.getByRole('alert')).toContainText(
    'Could not join: The server did not let you in',
  );
  await expect(page.getByRole('alert')).toContainText(reason);
  await expect(page.getByRole('button', { name: 'Leave' })).toBeHidden();
  await expect(page.getByRole('button', { name: /^Call / })).toHaveCount(0);
  for (const name of hidden) await expect(page.locator('body')).not.toContainText(name);
}

test('a desktop host calls a browser guest who opened the invite; the guest accepts', async () => {
  const { host, hosted, browser } = await desktop.host(HOST);

  // Host in the page: the controller is already hosting, so it returns that session.
  const invite = await hostFromPage(host.page, HOST);
  expect(invite).toBe(hosted.host?.invite);
  expect(parseInvite(invite)).toMatchObject({
    room: hosted.room,
    fingerprint: hosted.fingerprint,
  });
  await expect(host.page.getByText(`You are ${HOST}`)).toBeVisible();
  await expect(host.page.getByText(hosted.fingerprint ?? '', { exact: true })).toBeVisible();

  // A browser guest opens the invite: the web bridge joins with the room and key of its fragment.
  const guest = await desktop.guest(browser, invite);
  expect(await guest.evaluate(() => window.appel)).toBeUndefined();
  await joinAs(guest, GUEST);
  await expect(guest.getByRole('button', { name: `Call ${HOST}` })).toBeVisible();

  // The host hears of the guest through forwarded events, and calls it.
  await callPeer(host.page, GUEST);
  await expect(callStatus(host.page)).toHaveText(`Ringing ${GUEST}…`);
  await acceptCall(guest, HOST);

  await expect(callStatus(host.page)).toHaveText(`In call with ${GUEST}`);
  await expect(callStatus(guest)).toHaveText(`In call with ${HOST}`);
  await expectMediaOnEverySide(host.page, guest);

  await host.page.getByRole('button', { name: 'Hang up' }).click();
  await expect(callStatus(guest)).toHaveText(`Call ended. ${HOST} hung up.`);
  expect(host.refused).toEqual([]);
});

test('a browser guest calls the desktop host; the host accepts', async () => {
  const { host, browser } = await desktop.host(HOST);
  const invite = await hostFromPage(host.page, HOST);
  const guest = await desktop.guest(browser, invite);
  await joinAs(guest, GUEST);

  await callPeer(guest, HOST);
  // The ring reaches the desktop page as a forwarded offer; accepting answers over IPC.
  await acceptCall(host.page, GUEST);

  await expect(callStatus(guest)).toHaveText(`In call with ${HOST}`);
  await expect(callStatus(host.page)).toHaveText(`In call with ${GUEST}`);
  await expectMediaOnEverySide(host.page, guest);

  await guest.getByRole('button', { name: 'Hang up' }).click();
  await expect(callStatus(host.page)).toHaveText(`Call ended. ${GUEST} hung up.`);
  expect(host.refused).toEqual([]);
});

test('a network change on the desktop restarts ICE at once, on the same connection', async () => {
  const { host, browser } = await desktop.host(HOST);
  const invite = await hostFromPage(host.page, HOST);
  const guest = await desktop.guest(browser, invite);
  await joinAs(guest, GUEST);
  await callPeer(guest, HOST);
  await acceptCall(host.page, GUEST);
  await expectMediaOnEverySide(host.page, guest);
  const before = await localIce(host.page);
  const connections = await connectionStates(host.page);

  // What main's network watch reports when an address disappears (main/network-watch.ts).
  host.controller.networkChanged({ added: [], removed: ['wlan0/192.168.1.20'] });

  // The transport never failed: only the change itself can have restarted ICE.
  await expect.poll(async () => (await localIce(host.page)).ufrag).not.toBe(before.ufrag);
  expect(await connectionStates(host.page)).toHaveLength(connections.length);
  await expect(callStatus(host.page)).toHaveText(`In call with ${GUEST}`);
  const frames = (await inboundStats(guest)).framesDecoded;
  await expect.poll(async () => (await inboundStats(guest)).framesDecoded).toBeGreaterThan(frames);
});

test('a desktop guest refuses a wrong pin, trusts the host on first use, and calls it', async () => {
  const { host, hosted, browser } = await desktop.host(HOST);
  const invite = parseInvite(await hostFromPage(host.page, HOST));
  const { room, key } = invite;
  if (!room || !key) throw new Error('the invite names no room');
  const { controller } = await desktop.controller();
  const guest = await desktop.open(browser, controller, `${hosted.url}/`);

  // An invite whose fingerprint is not the server's certificate: refused, both named.
  const wrong = Array.from({ length: 32 }, () => '00').join(':');
  await joinFromPage(
    guest.page,
    formatInvite({ url: hosted.url, room, key, fingerprint: wrong }),
    GUEST,
  );
  await expect(guest.page.getByRole('alert')).toHaveText(
    `Could not join: The server at ${hosted.url} presents certificate SHA-256 ` +
      `${hosted.fingerprint}, but you trusted ${wrong}. Refusing to connect.`,
  );
  await expect(guest.page.getByRole('alertdialog')).toBeHidden();
  expect(controller.session).toBeNull();

  // An invite without a fingerprint: the page probes the certificate over IPC and asks.
  await joinFromPage(guest.page, formatInvite({ url: hosted.url, room, key }), GUEST);
  const prompt = guest.page.getByRole('alertdialog', { name: 'Unknown certificate' });
  await expect(prompt).toContainText(
    `This server presents certificate SHA-256 ${hosted.fingerprint}`,
  );
  await prompt.getByRole('button', { name: 'Trust and join' }).click();
  await expect(guest.page.getByText(`You are ${GUEST}`)).toBeVisible();
  expect(controller.session).toMatchObject({
    mode: 'join',
    self: { name: GUEST },
    room,
    fingerprint: hosted.fingerprint,
  });

  await callPeer(guest.page, HOST);
  await acceptCall(host.page, GUEST);
  await expect(callStatus(guest.page)).toHaveText(`In call with ${HOST}`);
  await expect(callStatus(host.page)).toHaveText(`In call with ${GUEST}`);
  await expectMediaOnEverySide(host.page, guest.page);

  // Leaving in the page hangs up and disconnects the guest's controller; the host sees it go.
  await guest.page.getByRole('button', { name: 'Leave' }).click();
  await expect(callStatus(host.page)).toHaveText(`Call ended. ${GUEST} hung up.`);
  await expect(host.page.getByRole('button', { name: `Call ${GUEST}` })).toHaveCount(0);
  expect(controller.session).toBeNull();

  // The pin stays: an invite naming another certificate now asks, showing both.
  await joinFromPage(
    guest.page,
    formatInvite({ url: hosted.url, room, key, fingerprint: wrong }),
    GUEST,
  );
  const changed = guest.page.getByRole('alertdialog', { name: 'Certificate changed' });
  await expect(changed).toContainText(hosted.fingerprint ?? '');
  await expect(changed).toContainText(wrong);
  await changed.getByRole('button', { name: 'Cancel' }).click();
  await expect(changed).toBeHidden();
  expect(controller.session).toBeNull();
  expect([...host.refused, ...guest.refused]).toEqual([]);
});

test('main refuses IPC from a page that is not the app’s own', async () => {
  const { hosted, browser } = await desktop.host(HOST);
  const { controller } = await desktop.controller();
  // The same page, but not at the address main trusts.
  const other = await desktop.open(
    browser,
    controller,
    `${hosted.url}/index.html`,
    `${hosted.url}/`,
  );

  await other.page.getByRole('textbox', { name: 'Your name' }).fill(GUEST);
  await other.page.getByRole('radio', { name: 'Host' }).check();
  await other.page.getByRole('button', { name: 'Host a call' }).click();

  await expect(other.page.getByRole('alert')).toHaveText(
    'Could not host a call: Refused appel:host: the request does not come from the Appel window',
  );
  expect(other.refused).toEqual([`${hosted.url}/index.html`]);
  expect(controller.session).toBeNull();
});

test('a browser without the invite is refused, in words, and sees nobody', async () => {
  const { host, hosted, browser } = await desktop.host(HOST);
  await hostFromPage(host.page, HOST);

  // The host's server, without the invite's fragment: no room, no key.
  const stranger = await desktop.guest(browser, `${hosted.url}/`);
  await tryToJoin(stranger, 'Mallory');

  await expectRefused(stranger, 'This server admits invited people only', [HOST]);
  await expect(host.page.getByText('Nobody else is here yet.')).toBeVisible();
  await expect(host.page.getByRole('button', { name: 'Call Mallory' })).toHaveCount(0);
});

test('after New invite the old invite is refused and the new one admits', async () => {
  const { host, browser } = await desktop.host(HOST);
  const oldInvite = await hostFromPage(host.page, HOST);
  const early = await desktop.guest(browser, oldInvite);
  await joinAs(early, GUEST);

  await host.page.getByRole('button', { name: 'New invite' }).click();
  const inviteBox = host.page.getByRole('textbox', { name: 'Invite to share' });
  await expect(inviteBox).not.toHaveValue(oldInvite);
  const newInvite = await inviteBox.inputValue();
  expect(parseInvite(newInvite).room).toBe(parseInvite(oldInvite).room);
  expect(host.controller.session?.host?.invite).toBe(newInvite);

  const late = await desktop.guest(browser, oldInvite);
  await tryToJoin(late, 'Mallory');
  await expectRefused(late, 'This room does not open with that key', [HOST, GUEST]);

  const invited = await desktop.guest(browser, newInvite);
  await joinAs(invited, 'Ivy');
  // Whoever was admitted before stays; the refused one never appears.
  for (const name of [GUEST, 'Ivy']) {
    await expect(host.page.getByRole('button', { name: `Call ${name}` })).toBeVisible();
  }
  await expect(invited.getByRole('button', { name: `Call ${GUEST}` })).toBeVisible();
  await expect(host.page.getByRole('button', { name: 'Call Mallory' })).toHaveCount(0);
});
