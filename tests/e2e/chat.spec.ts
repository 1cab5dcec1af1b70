/**
 * Chat over the call's data channel, on the real served page with real peer connections: Chromium
 * pages both ways, a Firefox guest, and the desktop page whose links reach main's openExternal
 * through the real preload and IPC handlers (the Electron path, as in electron-bridge.spec.ts).
 * Messages carry the sender's name (from the room, never from the wire) and the receiver's time;
 * links open only on a click; the history lives as long as the call.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { formatInvite } from '../../common/invite.js';
import { newRoomId, newRoomKey } from '../../common/protocol.js';
import type { AppelSignal } from '../support/appel-signal.js';
import { startCallBed, stopCallBed } from './support/call-bed.js';
import { createCleanups } from '../support/cleanups.js';
import { launchFirefox, openFirefoxPage } from '../support/firefox.js';
import {
  captureChannels,
  chat,
  lastMessage,
  sendChat,
  sendRawFrames,
  shownMessages,
  tutorialCalls,
} from './support/chat-helpers.js';
import { DesktopHarness, hostFromPage } from './support/electron-call.js';
import { bundlePreloadBridge } from './support/ipc-transport.js';
import {
  acceptCall,
  callPeer,
  callStatus,
  joinAs,
  localIce,
  openPeer,
  restartIce,
  type PeerPage,
} from './support/page-helpers.js';

const CHAT_CHANNEL = 'appel:chat';

let server: AppelSignal;
let browser: Browser;
const cleanups = createCleanups();

test.beforeAll(async () => ({ server, browser } = await startCallBed()));
test.afterAll(() => stopCallBed(server, browser));

test.afterEach(() => cleanups.run());

async function open(url = `${server.url}/`, name?: string): Promise<PeerPage> {
  const peer = await openPeer(browser, url, name ? { name } : {});
  cleanups.push(() => peer.context.close());
  return peer;
}

/** A calls B and B accepts; both wait until the chat is open. */
async function inCall(a: PeerPage, b: PeerPage): Promise<void> {
  await callPeer(a.page, b.name);
  await acceptCall(b.page, a.name);
  for (const [self, other] of [
    [a, b],
    [b, a],
  ] as const) {
    await expect(callStatus(self.page)).toHaveText(`In call with ${other.name}`);
    await expect(chat(self.page).state).toHaveText('Messages stay until the call ends.');
  }
}

/** The page's own clock as the chat writes it, for a time the page stamped. */
function clockOf(page: Page, iso: string): Promise<string> {
  return page.evaluate(
    (stamp) =>
      new Intl.DateTimeFormat('en', { hour: 'numeric', minute: '2-digit' }).format(new Date(stamp)),
    iso,
  );
}

test('a message arrives both ways, with the sender’s name and the receiver’s time', async () => {
  const a = await open();
  const b = await open();
  await inCall(a, b);

  const before = Date.now();
  await sendChat(a.page, 'Hello from A');
  // Sent: the field is empty again and the message is in A's own log, under A's name.
  await expect(chat(a.page).input).toHaveValue('');
  await lastMessage(a.page, a.name, 'Hello from A');
  const received = await lastMessage(b.page, a.name, 'Hello from A');
  const stamped = Date.parse(received.stamped);
  expect(stamped).toBeGreaterThanOrEqual(before - 1000);
  expect(stamped).toBeLessThanOrEqual(Date.now() + 1000);
  expect(received.time).toBe(await clockOf(b.page, received.stamped));
  expect(received.time).toMatch(/^\d{1,2}:\d{2}(\s[AP]M)?$/);

  // The other way, with the Send button; line breaks and markup stay text.
  await chat(b.page).input.fill('Hi A\n<b>not bold</b>');
  await chat(b.page).send.click();
  await lastMessage(a.page, b.name, 'Hi A\n<b>not bold</b>');
  await expect(chat(a.page).log.locator('b')).toHaveCount(0);
  expect((await shownMessages(a.page)).map(({ sender }) => sender)).toEqual([a.name, b.name]);
  expect((await shownMessages(b.page)).map(({ sender }) => sender)).toEqual([a.name, b.name]);
});

test('what a peer sends that is not a message is ignored with a warning, never shown', async () => {
  // The sender records its channels, to send what another program could.
  const a = await openPeer(browser, `${server.url}/`, { noJoin: true });
  cleanups.push(() => a.context.close());
  await a.context.addInitScript(captureChannels);
  await a.page.reload();
  await joinAs(a.page, a.name);
  const b = await open();
  const warnings: string[] = [];
  b.page.on('console', (message) => {
    if (message.type() === 'warning' && message.text().startsWith('appel:chat')) {
      warnings.push(message.text());
    }
  });
  const errors: Error[] = [];
  b.page.on('pageerror', (error) => errors.push(error));
  await inCall(a, b);

  await sendRawFrames(a.page, CHAT_CHANNEL, [
    'not JSON',
    '["a list"]',
    '{"text": 42}',
    '{"text": "   "}',
    JSON.stringify({ text: 'x'.repeat(4001) }),
    ' '.repeat(30_000),
    // A name on the wire is not the sender's name: the room says who sent it.
    JSON.stringify({ text: 'still me', name: 'The Admin' }),
  ]);

  await lastMessage(b.page, a.name, 'still me');
  expect(await shownMessages(b.page)).toHaveLength(1);
  // Six refused frames, and the binary one.
  await expect.poll(() => warnings.length).toBe(7);
  expect(errors).toEqual([]);
  await expect(chat(b.page).state).toHaveText('Messages stay until the call ends.');
});

test('the unread count rises while the chat is closed or the window unfocused, and clears on reading', async () => {
  const a = await open();
  const b = await open();
  await inCall(a, b);
  const panel = chat(b.page);
  await expect(panel.toggle).toHaveAccessibleName('Chat');
  await expect(panel.toggle).toHaveAttribute('aria-expanded', 'true');

  await panel.toggle.click();
  await expect(panel.toggle).toHaveAttribute('aria-expanded', 'false');
  await expect(panel.log).toBeHidden();
  await sendChat(a.page, 'one');
  await expect(panel.toggle).toHaveAccessibleName('Chat, 1 unread message');
  await sendChat(a.page, 'two');
  await expect(panel.toggle).toHaveAccessibleName('Chat, 2 unread messages');
  await expect(panel.toggle.locator('.chat-badge')).toHaveText('2');
  // With the log hidden, the page's notice says that something came.
  await expect(b.page.getByRole('status', { name: 'Notice' })).toHaveText(
    `New chat message from ${a.name}.`,
  );

  await panel.toggle.click();
  await expect(panel.toggle).toHaveAccessibleName('Chat');
  await expect(panel.toggle.locator('.chat-badge')).toBeHidden();
  await expect(panel.log).toBeVisible();
  expect((await shownMessages(b.page)).map(({ text }) => text)).toEqual(['one', 'two']);

  // The window loses focus (as when the user switches to another app): messages count again,
  // and coming back clears them.
  await b.page.evaluate(() => {
    document.hasFocus = () => false;
    dispatchEvent(new FocusEvent('blur'));
  });
  await sendChat(a.page, 'three');
  await expect(panel.toggle).toHaveAccessibleName('Chat, 1 unread message');
  await b.page.evaluate(() => {
    document.hasFocus = () => true;
    dispatchEvent(new FocusEvent('focus'));
  });
  await expect(panel.toggle).toHaveAccessibleName('Chat');
  // A's own messages never counted.
  await expect(chat(a.page).toggle).toHaveAccessibleName('Chat');
});

test('a link opens in the browser only when clicked; other schemes stay text', async () => {
  const a = await open();
  const b = await open();
  // A page of the server itself: the namespace has no other network, and it loads there.
  const target = `${server.url}/chat-link-target?from=a`;
  const requested: string[] = [];
  for (const { context } of [a, b]) {
    context.on('request', (request) => {
      if (request.url().includes('chat-link-target')) requested.push(request.url());
    });
  }
  await inCall(a, b);

  await sendChat(a.page, `Read ${target}, not javascript:alert(document.domain)`);
  await lastMessage(b.page, a.name, `Read ${target}, not javascript:alert(document.domain)`);
  const link = chat(b.page).log.getByRole('link');
  await expect(link).toHaveCount(1);
  await expect(link).toHaveText(target);
  await expect(link).toHaveAttribute('title', `Opens ${target} in your browser`);
  await expect(chat(a.page).log.getByRole('link')).toHaveText(target);
  // Shown on both sides, loaded by neither.
  expect(requested).toEqual([]);

  const popup = b.page.waitForEvent('popup');
  await link.click();
  const opened = await popup;
  await opened.waitForURL(target);
  // A tab of its own: it cannot reach back into the call page.
  expect(await opened.evaluate(() => window.opener as unknown)).toBeNull();
  expect(requested).toEqual([target]);
  await opened.close();

  // From the keyboard: Tab to the link, Enter.
  const again = b.page.waitForEvent('popup');
  await link.focus();
  await b.page.keyboard.press('Enter');
  await (await again).waitForURL(target);
  await expect(callStatus(b.page)).toHaveText(`In call with ${a.name}`);
});

test('the history lasts through an ICE restart and is cleared when the call ends', async () => {
  const a = await open();
  const b = await open();
  await inCall(a, b);
  await sendChat(a.page, 'before the restart');
  await lastMessage(b.page, a.name, 'before the restart');

  const { ufrag } = await localIce(a.page);
  await restartIce(a.page);
  await expect.poll(async () => (await localIce(a.page)).ufrag).not.toBe(ufrag);
  await expect.poll(async () => (await localIce(a.page)).signaling).toBe('stable');
  await sendChat(b.page, 'after the restart');
  await lastMessage(a.page, b.name, 'after the restart');
  for (const { page } of [a, b]) {
    expect((await shownMessages(page)).map(({ text }) => text)).toEqual([
      'before the restart',
      'after the restart',
    ]);
  }

  // B closes the panel and gets a message, then A hangs up: nothing of the chat is left.
  await chat(b.page).toggle.click();
  await sendChat(a.page, 'last words');
  await expect(chat(b.page).toggle).toHaveAccessibleName('Chat, 1 unread message');
  await a.page.getByRole('button', { name: 'Hang up' }).click();
  for (const { page } of [a, b]) {
    await expect(callStatus(page)).toContainText('Call ended');
    await expect(chat(page).log.locator('.chat-message')).toHaveCount(0);
    await expect(chat(page).state).toHaveText(
      'Chat works during a call; its messages are cleared when the call ends.',
    );
  }
  await expect(chat(b.page).toggle).toHaveAccessibleName('Chat');
  await chat(b.page).toggle.click();

  // The next call starts with an empty chat, and it works.
  await callPeer(b.page, a.name);
  await acceptCall(a.page, b.name);
  await expect(chat(b.page).state).toHaveText('Messages stay until the call ends.');
  await sendChat(b.page, 'new call');
  await lastMessage(a.page, b.name, 'new call');
  expect(await shownMessages(a.page)).toHaveLength(1);
});

test('without a call a message is refused with a notice, and an over-long one says so', async () => {
  const a = await open();
  const panel = chat(a.page);
  await expect(panel.state).toHaveText(
    'Chat works during a call; its messages are cleared when the call ends.',
  );

  await sendChat(a.page, 'anyone there?');
  await expect(panel.notice).toHaveText('Not sent: you are not in a call.');
  // Not lost: the text waits in the field.
  await expect(panel.input).toHaveValue('anyone there?');
  await expect(panel.log.locator('.chat-message')).toHaveCount(0);

  await panel.input.fill('x'.repeat(4001));
  await expect(panel.notice).toHaveText('Too long: 4,001 characters, the limit is 4,000.');
  await expect(panel.input).toHaveAttribute('aria-invalid', 'true');
  await expect(panel.input).toHaveAccessibleDescription(/Too long: 4,001 characters/);
  await panel.input.press('Backspace');
  await expect(panel.notice).toHaveText('');
  await expect(panel.input).toHaveAttribute('aria-invalid', 'false');

  // Blank is simply not sent.
  await sendChat(a.page, '   ');
  await expect(panel.notice).toHaveText('');
});

test('a call from the tutorial’s plain page has no chat, and the page says so', async () => {
  const b = await open(undefined, 'Callee');
  const tutorial = await openPeer(browser, `${server.url}/socket.io/socket.io.js`, {
    noJoin: true,
  });
  cleanups.push(() => tutorial.context.close());
  await tutorialCalls(tutorial.page, b.name);

  await expect(b.page.getByRole('alertdialog')).toContainText(/Guest .* is calling you\./);
  await b.page.getByRole('button', { name: 'Accept' }).click();
  await expect(callStatus(b.page)).toHaveText(/In call with Guest /);
  const panel = chat(b.page);
  await expect(panel.state).toHaveText(
    /^Chat is unavailable in this call: the app Guest .* uses has no chat\.$/,
  );
  await sendChat(b.page, 'hello?');
  await expect(panel.notice).toHaveText('Not sent: chat is unavailable in this call.');
  await expect(panel.input).toHaveValue('hello?');
});

test('a Firefox guest and a Chromium page chat both ways, whoever calls', async () => {
  const firefox = await launchFirefox();
  cleanups.push(() => firefox.close());
  const room = newRoomId();
  const invite = formatInvite({ url: server.url, room, key: newRoomKey() });
  const opened = await openFirefoxPage(firefox, invite);
  cleanups.push(() => opened.close());
  const fox = opened.page;
  const aria = (role: string, name: string): string =>
    `::-p-aria([name=${JSON.stringify(name)}][role="${role}"])`;
  await fox.locator(aria('textbox', 'Your name')).fill('Fox');
  await fox.locator(aria('button', 'Join')).click();
  const chrome = await open(invite, 'Chrome');

  /** What Firefox's log shows: sender and text of each message. */
  const foxMessages = (): Promise<string[]> =>
    fox.$$eval('#chat-log .chat-message', (items) =>
      items.map(
        (item) =>
          `${item.querySelector('.chat-sender')?.textContent}: ${item.querySelector('.chat-text')?.textContent}`,
      ),
    );
  const foxSends = async (text: string): Promise<void> => {
    await fox.locator(aria('textbox', 'Message')).fill(text);
    await fox.locator(aria('button', 'Send')).click();
  };
  const foxChatState = (): Promise<string | null> => fox.$eval('#chat-state', (p) => p.textContent);

  // Firefox calls: its channel, made with its offer, reaches Chromium.
  await fox.locator(aria('button', 'Call Chrome')).click();
  await acceptCall(chrome.page, 'Fox');
  await expect(chat(chrome.page).state).toHaveText('Messages stay until the call ends.');
  await expect.poll(foxChatState).toBe('Messages stay until the call ends.');
  await foxSends('Salut de Firefox');
  await lastMessage(chrome.page, 'Fox', 'Salut de Firefox');
  await sendChat(chrome.page, 'Hello from Chromium: https://example.com/x');
  await expect
    .poll(foxMessages)
    .toEqual(['Fox: Salut de Firefox', 'Chrome: Hello from Chromium: https://example.com/x']);
  expect(await fox.$$eval('#chat-log [role="link"]', (links) => links.length)).toBe(1);
  await fox.locator(aria('button', 'Hang up')).click();
  await expect.poll(foxMessages).toEqual([]);
  await expect(chat(chrome.page).log.locator('.chat-message')).toHaveCount(0);

  // Chromium calls: Firefox receives the channel.
  await callPeer(chrome.page, 'Fox');
  await fox.waitForSelector(aria('alertdialog', 'Chrome is calling you.'));
  await fox.locator(aria('button', 'Accept')).click();
  await expect.poll(foxChatState).toBe('Messages stay until the call ends.');
  await sendChat(chrome.page, 'Second call');
  await expect.poll(foxMessages).toEqual(['Chrome: Second call']);
  await foxSends('Bien reçu');
  await lastMessage(chrome.page, 'Fox', 'Bien reçu');
});

test('a link clicked in the desktop app reaches main’s openExternal through IPC', async () => {
  const desktop = new DesktopHarness(cleanups, await bundlePreloadBridge());
  const { host, browser: hostBrowser } = await desktop.host('Hana');
  const invite = await hostFromPage(host.page, 'Hana');
  const guest = await desktop.guest(hostBrowser, invite);
  await joinAs(guest, 'Gus');
  await callPeer(guest, 'Hana');
  await acceptCall(host.page, 'Gus');
  await expect(chat(host.page).state).toHaveText('Messages stay until the call ends.');

  const link = 'https://example.com/appel?from=gus#chat';
  await sendChat(guest, `${link} and file:///etc/passwd`);
  await lastMessage(host.page, 'Gus', `${link} and file:///etc/passwd`);
  expect(host.openedLinks).toEqual([]);
  const popups: Page[] = [];
  host.page.context().on('page', (page) => popups.push(page));

  await chat(host.page).log.getByRole('link', { name: link }).click();

  await expect.poll(() => host.openedLinks).toEqual([link]);
  // The system browser opened it, not the app's window.
  expect(popups).toEqual([]);
  await expect(callStatus(host.page)).toHaveText('In call with Gus');
  await expect(chat(host.page).log.getByRole('link')).toHaveCount(1);
  expect(host.refused).toEqual([]);
});
