/**
 * The call page as the desktop app shows it, with a stub preload bridge (support/stub-bridge.ts)
 * in place of IPC: Host and its invite, New invite, and Join's certificate questions (unknown,
 * changed, refused), checked on what the page shows and on the bridge calls it made.
 */
import {
  chromium,
  expect,
  test,
  type Browser,
  type BrowserContext,
  type Page,
} from '@playwright/test';
import { formatInvite, parseInvite } from '../../common/invite.js';
import { startAppelSignal, type AppelSignal } from '../support/appel-signal.js';
import { chromiumArgs, chromiumExecutable } from '../support/chromium.js';
import {
  STUB_CHANGED_URL,
  STUB_FINGERPRINT,
  STUB_KEYS,
  STUB_OLD_FINGERPRINT,
  STUB_ROOM,
  STUB_URL,
  stubCalls,
  stubInvite,
  useStubBridge,
  type StubOptions,
} from './support/stub-bridge.js';

const NAME = 'Dana';

let server: AppelSignal;
let browser: Browser;
let context: BrowserContext | undefined;

test.beforeAll(async () => {
  // Only serves the built page: the stub answers for the bridge.
  server = await startAppelSignal();
  browser = await chromium.launch({
    executablePath: chromiumExecutable(),
    args: chromiumArgs({ trustCertPem: server.certPem }),
  });
});

test.afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

test.afterEach(async () => {
  await context?.close();
  context = undefined;
});

async function openDesktopPage(options?: StubOptions): Promise<Page> {
  context = await browser.newContext({
    viewport: { width: 1280, height: 720 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  await useStubBridge(page, options);
  await page.goto(`${server.url}/`);
  await expect(page.getByRole('radio', { name: 'Host' })).toBeEnabled();
  return page;
}

const nameBox = (page: Page) => page.getByRole('textbox', { name: 'Your name' });
const inviteBox = (page: Page) => page.getByRole('textbox', { name: 'Invite to share' });

async function joinWith(page: Page, address: string, name = NAME): Promise<void> {
  await nameBox(page).fill(name);
  await page.getByRole('radio', { name: 'Join' }).check();
  await page.getByRole('textbox', { name: 'Invite or server address' }).fill(address);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
}

/** The room screen, as the page shows it once a session started. */
async function expectInRoom(page: Page, name = NAME): Promise<void> {
  await expect(page.getByText(`You are ${name}`)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Leave' })).toBeVisible();
}

test('Host shows the invite, and the mode and name are remembered', async () => {
  const page = await openDesktopPage();
  await nameBox(page).fill(NAME);
  await page.getByRole('radio', { name: 'Host' }).check();
  await page.getByRole('button', { name: 'Host a call' }).click();

  await expectInRoom(page);
  await expect(inviteBox(page)).toHaveValue(stubInvite());
  // The room, its key and the fingerprint travel in the fragment, which no request carries.
  const shown = await inviteBox(page).inputValue();
  expect(new URL(shown).search).toBe('');
  expect(parseInvite(shown)).toEqual({
    url: STUB_URL,
    room: STUB_ROOM,
    key: STUB_KEYS[0],
    fingerprint: STUB_FINGERPRINT,
  });
  await expect(page.getByText(STUB_FINGERPRINT, { exact: true })).toBeVisible();
  // Port forwarding is asked for only when the user ticked it.
  expect(await stubCalls(page)).toEqual([['host', { name: NAME, forwardPort: false }]]);

  await page.getByRole('button', { name: 'Copy invite' }).click();
  await expect(page.getByRole('status', { name: 'Notice' })).toHaveText('Copied the invite.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown);

  await page.reload();
  await expect(page.getByRole('radio', { name: 'Host' })).toBeChecked();
  await expect(page.getByRole('button', { name: 'Host a call' })).toBeVisible();
  await expect(nameBox(page)).toHaveValue(NAME);
});

test('port forwarding is asked of the router only when ticked, and the choice is remembered', async () => {
  const page = await openDesktopPage();
  await nameBox(page).fill(NAME);
  await page.getByRole('radio', { name: 'Host' }).check();
  const forward = page.getByRole('checkbox', { name: /Ask my router to open a port/ });
  await expect(forward).not.toBeChecked();
  await forward.check();
  await page.getByRole('button', { name: 'Host a call' }).click();

  await expectInRoom(page);
  expect(await stubCalls(page)).toEqual([['host', { name: NAME, forwardPort: true }]]);
  await page.reload();
  await expect(page.getByRole('checkbox', { name: /Ask my router to open a port/ })).toBeChecked();
});

test('New invite replaces the invite shown', async () => {
  const page = await openDesktopPage();
  await nameBox(page).fill(NAME);
  await page.getByRole('radio', { name: 'Host' }).check();
  await page.getByRole('button', { name: 'Host a call' }).click();
  await expect(inviteBox(page)).toHaveValue(stubInvite(0));

  await page.getByRole('button', { name: 'New invite' }).click();

  await expect(inviteBox(page)).toHaveValue(stubInvite(1));
  await expect(page.getByRole('status', { name: 'Notice' })).toHaveText(
    'New invite ready: the old one no longer lets anyone in.',
  );
  expect(parseInvite(await inviteBox(page).inputValue()).key).toBe(STUB_KEYS[1]);
  expect(await stubCalls(page)).toEqual([
    ['host', { name: NAME, forwardPort: false }],
    ['newInvite', undefined],
  ]);
});

test('Join with a bare address asks to trust the certificate, then joins with it', async () => {
  const page = await openDesktopPage();
  await joinWith(page, '10.0.0.5:8443');

  const prompt = page.getByRole('alertdialog', { name: 'Unknown certificate' });
  await expect(prompt).toContainText(
    `This server presents certificate SHA-256 ${STUB_FINGERPRINT} (CN=Appel, valid until `,
  );
  expect(await stubCalls(page)).toEqual([
    ['join', { url: '10.0.0.5:8443', name: NAME }],
    ['probeCertificate', '10.0.0.5:8443'],
  ]);
  await prompt.getByRole('button', { name: 'Trust and join' }).click();

  await expectInRoom(page);
  await expect(prompt).toBeHidden();
  expect((await stubCalls(page)).at(-1)).toEqual([
    'join',
    { url: '10.0.0.5:8443', name: NAME, fingerprint: STUB_FINGERPRINT },
  ]);
});

test('a pinned server whose certificate changed is refused with an alert, not a prompt', async () => {
  const page = await openDesktopPage({ pinned: { [STUB_CHANGED_URL]: STUB_OLD_FINGERPRINT } });
  await joinWith(page, STUB_CHANGED_URL);

  await expect(page.getByRole('alert')).toHaveText(
    `Could not join: The server at ${STUB_CHANGED_URL} presents certificate SHA-256 ` +
      `${STUB_FINGERPRINT}, but you trusted ${STUB_OLD_FINGERPRINT}. Refusing to connect.`,
  );
  await expect(page.getByRole('alertdialog')).toBeHidden();
  await expect(page.getByRole('button', { name: 'Leave' })).toBeHidden();
  expect(await stubCalls(page)).toEqual([['join', { url: STUB_CHANGED_URL, name: NAME }]]);
});

test('an invite naming another certificate than the pinned one shows both, and asks', async () => {
  const page = await openDesktopPage({ pinned: { [STUB_CHANGED_URL]: STUB_OLD_FINGERPRINT } });
  const invite = formatInvite({
    url: STUB_CHANGED_URL,
    room: STUB_ROOM,
    key: STUB_KEYS[0],
    fingerprint: STUB_FINGERPRINT,
  });
  const asked = { url: invite, name: NAME, fingerprint: STUB_FINGERPRINT };
  await joinWith(page, invite);

  const prompt = page.getByRole('alertdialog', { name: 'Certificate changed' });
  await expect(prompt).toContainText(STUB_OLD_FINGERPRINT);
  await expect(prompt).toContainText(STUB_FINGERPRINT);
  await expect(prompt).toContainText('Replace the pinned certificate and join?');

  // Cancel: nothing joined, nothing replaced.
  await prompt.getByRole('button', { name: 'Cancel' }).click();
  await expect(prompt).toBeHidden();
  await expect(page.getByRole('status', { name: 'Notice' })).toHaveText(
    'Not joined: the certificate was not trusted.',
  );
  expect(await stubCalls(page)).toEqual([['join', asked]]);

  // Asked again, and this time trusted: the one join with replacePin.
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(prompt).toContainText(STUB_OLD_FINGERPRINT);
  await prompt.getByRole('button', { name: 'Trust and join' }).click();

  await expectInRoom(page);
  expect(await stubCalls(page)).toEqual([
    ['join', asked],
    ['join', asked],
    ['join', { ...asked, replacePin: true }],
  ]);
});

test('invalid names are refused with the reason, before any bridge call', async () => {
  const page = await openDesktopPage();
  const alert = page.getByRole('alert');

  await joinWith(page, stubInvite(), '   ');
  await expect(alert).toHaveText('Enter a name for others to see.');
  await expect(nameBox(page)).toBeFocused();

  await joinWith(page, stubInvite(), 'Mallory\u202Egnp.exe');
  await expect(alert).toHaveText(
    'The name holds control or direction characters; use letters, digits, signs.',
  );

  await nameBox(page).fill('');
  await page.getByRole('radio', { name: 'Host' }).check();
  await page.getByRole('button', { name: 'Host a call' }).click();
  await expect(alert).toHaveText('Enter a name for others to see.');

  await expect(page.getByRole('button', { name: 'Leave' })).toBeHidden();
  expect(await stubCalls(page)).toEqual([]);
});
