/**
 * The packaged-to-be app itself, through Playwright's `_electron`: two Appel instances, one hosts,
 * the other pastes the invite and joins, they call, and video and audio decode on both sides.
 * The production security settings are unchanged; only environment test hooks differ (fresh
 * userData, loopback bind address, fake camera and microphone).
 *
 * Runs wherever the Electron binary is installed (on Linux CI under a display, e.g. xvfb-run);
 * elsewhere it skips, saying so.
 */
import { expect } from '@playwright/test';
import { CONTENT_SECURITY_POLICY } from '../../common/csp.js';
import { installedElectronBinary, test } from './support/electron-app.js';
import {
  callStatus,
  expectMediaOnEverySide,
  hostFromPage,
  joinFromPage,
} from './support/electron-call.js';
import { acceptCall, callPeer } from './support/page-helpers.js';

const electronBinary = installedElectronBinary();

const ELECTRON_MISSING =
  'Electron binary is not installed (node_modules/electron/dist is missing); run npx install-electron to enable this test';
test.skip(!electronBinary, ELECTRON_MISSING);

test('two app instances: one hosts, the other joins by invite, and they call', async ({
  launchApp,
}) => {
  const [host, guest] = await Promise.all([launchApp('host'), launchApp('guest')]);

  // The page runs with the preload's bridge and nothing else from Node.
  for (const { page } of [host, guest]) {
    expect(
      await page.evaluate(() => ({
        platform: window.appel?.platform,
        frozen: Object.isFrozen(window.appel),
        require: typeof (globalThis as { require?: unknown }).require,
        process: typeof (globalThis as { process?: unknown }).process,
      })),
    ).toEqual({ platform: 'desktop', frozen: true, require: 'undefined', process: 'undefined' });
  }

  const invite = await hostFromPage(host.page, 'Host');
  expect(invite).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/#room=[\w-]+&key=[\w-]{22,}&fp=/);

  await joinFromPage(guest.page, invite, 'Guest');

  await callPeer(host.page, 'Guest');
  await acceptCall(guest.page, 'Host');

  await expect(callStatus(host.page)).toHaveText('In call with Guest');
  await expect(callStatus(guest.page)).toHaveText('In call with Host');
  await expectMediaOnEverySide(host.page, guest.page);

  await guest.page.getByRole('button', { name: 'Hang up' }).click();
  await expect(callStatus(host.page)).toContainText('Call ended');
});

test('the window stays on its page and opens no other window', async ({ launchApp }) => {
  const app = await launchApp('hardened');
  const { page } = app;
  const appUrl = page.url();
  expect(appUrl).toBe('app://appel/index.html');
  await page.evaluate(() => {
    (window as unknown as { marker: boolean }).marker = true;
  });

  // Not a web link: neither a new window nor the system browser.
  expect(await page.evaluate(() => window.open('file:///etc/hostname') === null)).toBe(true);
  await expect.poll(app.log).toContain('refused to open a non-web link');

  await page.evaluate(() => {
    window.location.href = 'file:///etc/hostname';
  });
  await expect.poll(app.log).toContain('blocked a navigation');
  expect(page.url()).toBe(appUrl);
  // Same document: the marker set before is still there.
  expect(await page.evaluate(() => (window as unknown as { marker?: boolean }).marker)).toBe(true);
  expect(app.app.windows()).toHaveLength(1);
});

test('the page comes from app://appel with its CSP, and reaches nothing outside its folder', async ({
  launchApp,
}) => {
  const { page } = await launchApp('protocol');
  const fetched = await page.evaluate(async () => {
    const own = await fetch('/index.html');
    const outside = await fetch('/..%2f..%2fpackage.json');
    return {
      status: own.status,
      csp: own.headers.get('content-security-policy'),
      outside: outside.status,
      secure: window.isSecureContext,
      origin: window.location.origin,
    };
  });
  expect(fetched).toEqual({
    status: 200,
    csp: CONTENT_SECURITY_POLICY,
    outside: 403,
    secure: true,
    origin: 'app://appel',
  });
});

test('copy buttons reach the clipboard; screen capture and clipboard reads are refused', async ({
  launchApp,
}) => {
  const { app, page, log } = await launchApp('permissions');
  await page.bringToFront();
  await page.evaluate(() => navigator.clipboard.writeText('appel-clipboard-check'));
  expect(await app.evaluate(({ clipboard }) => clipboard.readText())).toBe('appel-clipboard-check');
  expect(
    await page.evaluate(() =>
      navigator.clipboard.readText().then(
        () => 'read',
        (error: Error) => error.name,
      ),
    ),
  ).toBe('NotAllowedError');
  // Refused before or at the source choice, depending on where Chromium asks first.
  const shared = await page.evaluate(() =>
    navigator.mediaDevices.getDisplayMedia({ video: true }).then(
      () => 'shared',
      (error: Error) => error.name,
    ),
  );
  expect(shared).not.toBe('shared');
  await expect.poll(log).toMatch(/denied a (screen capture|permission)/);
});

test('a second start on the same userData quits and brings the first window back', async ({
  launchApp,
}) => {
  const first = await launchApp('single');
  expect(await first.startAgain()).toBe(0);
  await expect.poll(first.log).toContain('Appel was started again; showing its window');
  expect(first.app.windows()).toHaveLength(1);
});
