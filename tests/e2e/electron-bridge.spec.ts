/**
 * Electron path in Chromium: the app's real preload bridge (preload/bridge.ts), main's real IPC
 * handlers and event forwarding (main/ipc.ts) and the real host/join controller
 * (main/session.ts) with its embedded server, with only Electron's IPC transport substituted
 * (support/ipc-transport.ts). A desktop page hosts; a plain browser guest and a desktop guest
 * join; real calls with fake camera and microphone.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import type { SessionInfo } from '../../preload/bridge-api.js';
import { forwardEvents, registerIpcHandlers } from '../../main/ipc.js';
import { isAppPage } from '../../main/navigation.js';
import { CERTIFICATES_DIR, SessionController } from '../../main/session.js';
import { createLogger } from '../../signaling-server/log.js';
import { chromiumArgs, chromiumExecutable } from '../support/chromium.js';
import {
  CAPTURE_SCRIPT,
  callStatus,
  expectMediaOnEverySide,
  hostFromPage,
  joinFromPage,
  selfId,
} from './support/electron-call.js';
import {
  bundlePreloadBridge,
  connectPageIpc,
  TestIpcMain,
  type PageIpc,
} from './support/ipc-transport.js';
import { createCleanups } from '../support/cleanups.js';

const rendererDir = fileURLToPath(new URL('../../dist/renderer', import.meta.url));
const quiet = createLogger('appel:test', { silent: true });

/** One simulated desktop app: a controller, its ipcMain, and the window's page. */
interface DesktopApp {
  controller: SessionController;
  page: Page;
  ipc: PageIpc;
  /** Invokes refused by the sender check. */
  refused: string[];
}

let preloadBundle: string;
const cleanups = createCleanups();

test.beforeAll(async () => {
  preloadBundle = await bundlePreloadBridge();
});

test.afterEach(() => cleanups.run());

async function newController(): Promise<{ controller: SessionController; userDataDir: string }> {
  const userDataDir = await cleanups.tempDir('appel-desktop-');
  const controller = new SessionController({
    userDataDir,
    staticDir: rendererDir,
    bindHost: '127.0.0.1',
    logger: quiet,
    serverLogger: quiet,
  });
  cleanups.push(() => controller.leave());
  return { controller, userDataDir };
}

async function launch(trustCertPem: string): Promise<Browser> {
  const launched = await chromium.launch({
    executablePath: chromiumExecutable(),
    args: chromiumArgs({ trustCertPem }),
  });
  cleanups.push(() => launched.close());
  return launched;
}

/**
 * Opens `url` as the app's window would show it: the bundled preload installs `window.appel`,
 * and main's handlers answer only this page's top frame, and only at `appUrl`.
 */
async function openDesktop(
  on: Browser,
  controller: SessionController,
  url: string,
  appUrl = url,
): Promise<DesktopApp> {
  const context = await on.newContext({ viewport: { width: 1280, height: 720 } });
  cleanups.push(() => context.close());
  await context.addInitScript(...CAPTURE_SCRIPT);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[desktop page] ${error.message}`));
  const ipcMain = new TestIpcMain();
  const refused: string[] = [];
  registerIpcHandlers(ipcMain, controller, (event) => {
    // main/index.ts's guard: the app window's top frame, showing the app's page.
    const trusted =
      event.sender === page &&
      event.senderFrame === page.mainFrame() &&
      isAppPage(event.senderFrame.url(), appUrl);
    if (!trusted) refused.push(event.senderFrame.url());
    return trusted;
  });
  const ipc = await connectPageIpc(page, ipcMain, preloadBundle);
  await page.goto(url);
  // Host is offered only on the desktop bridge.
  await expect(page.getByRole('radio', { name: 'Host' })).toBeEnabled();
  cleanups.push(async () => {
    await ipc.flushed();
    expect(ipc.errors).toEqual([]);
  });
  forwardEvents(controller, (channel, payload) => ipc.send(channel, payload));
  return { controller, page, ipc, refused };
}

async function openGuest(on: Browser, url: string): Promise<Page> {
  const context = await on.newContext({ viewport: { width: 1280, height: 720 } });
  cleanups.push(() => context.close());
  await context.addInitScript(...CAPTURE_SCRIPT);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[guest page] ${error.message}`));
  await page.goto(url);
  return page;
}

/**
 * The desktop host: its controller starts the embedded server, whose page the window shows, and
 * the browser trusts the certificate the controller generated in userData.
 */
async function startHost(): Promise<{ host: DesktopApp; hosted: SessionInfo; browser: Browser }> {
  const { controller, userDataDir } = await newController();
  const hosted = await controller.host();
  const origin = hosted.host?.urls[0];
  if (!origin) throw new Error('the host has no URL');
  const certPem = await readFile(join(userDataDir, CERTIFICATES_DIR, 'cert.pem'), 'utf8');
  const browser = await launch(certPem);
  const host = await openDesktop(browser, controller, `${origin}/`);
  return { host, hosted, browser };
}

test('Electron path in Chromium: a desktop host calls a browser guest', async () => {
  const { host, hosted, browser: chromiumBrowser } = await startHost();

  // Host in the page: the controller is already hosting, so it returns that session.
  const invite = await hostFromPage(host.page);
  expect(invite).toBe(hosted.host?.invite);
  await expect(host.page.getByRole('status', { name: 'Server connection' })).toBeVisible();
  expect(await selfId(host.page)).toBe(hosted.selfId);
  await expect(host.page.getByText(hosted.fingerprint ?? '', { exact: true })).toBeVisible();

  // A browser guest opens the invite: the web bridge on socket.io-client joins the same server.
  const guest = await openGuest(chromiumBrowser, invite);
  expect(await guest.evaluate(() => window.appel)).toBeUndefined();
  const guestId = await selfId(guest);

  // The host hears of the guest through forwarded events, and calls it.
  await host.page.getByRole('button', { name: `Call ${guestId}` }).click();

  await expect(callStatus(host.page)).toHaveText(`In call with ${guestId}`);
  await expect(callStatus(guest)).toHaveText(`In call with ${hosted.selfId}`);
  await expectMediaOnEverySide(host.page, guest);

  await host.page.getByRole('button', { name: 'Hang up' }).click();
  await expect(callStatus(guest)).toContainText('Call ended');
  expect(host.refused).toEqual([]);
});

test('a desktop guest refuses a wrong pin, trusts the host on first use, and calls it', async () => {
  const { host, hosted, browser: chromiumBrowser } = await startHost();
  await hostFromPage(host.page);
  const { controller } = await newController();
  const guest = await openDesktop(chromiumBrowser, controller, `${hosted.url}/`);

  // An invite whose fingerprint is not the server's certificate: refused, both named.
  const wrong = Array.from({ length: 32 }, () => '00').join(':');
  await joinFromPage(guest.page, `${hosted.url}/#fp=${wrong}`);
  await expect(guest.page.getByRole('alert')).toHaveText(
    `Could not join: The server at ${hosted.url} presents certificate SHA-256 ` +
      `${hosted.fingerprint}, but you trusted ${wrong}. Refusing to connect.`,
  );
  expect(controller.session).toBeNull();

  // The bare address: the page probes the certificate over IPC and asks.
  await joinFromPage(guest.page, hosted.url);
  const prompt = guest.page.getByRole('alertdialog');
  await expect(prompt).toContainText(
    `This server presents certificate SHA-256 ${hosted.fingerprint}`,
  );
  await prompt.getByRole('button', { name: 'Trust' }).click();
  const guestId = await selfId(guest.page);
  expect(controller.session).toMatchObject({
    mode: 'join',
    selfId: guestId,
    fingerprint: hosted.fingerprint,
  });

  await guest.page.getByRole('button', { name: `Call ${hosted.selfId}` }).click();

  await expect(callStatus(guest.page)).toHaveText(`In call with ${hosted.selfId}`);
  await expect(callStatus(host.page)).toHaveText(`In call with ${guestId}`);
  await expectMediaOnEverySide(host.page, guest.page);

  // Leaving in the page disconnects the guest's controller; the host sees it go.
  await guest.page.getByRole('button', { name: 'Leave server' }).click();
  await expect(host.page.getByRole('button', { name: `Call ${guestId}` })).toHaveCount(0);
  expect(controller.session).toBeNull();
  expect([...host.refused, ...guest.refused]).toEqual([]);
});

test('main refuses IPC from a page that is not the app’s own', async () => {
  const { hosted, browser: chromiumBrowser } = await startHost();
  const { controller } = await newController();
  // The same page, but not at the address main trusts.
  const other = await openDesktop(
    chromiumBrowser,
    controller,
    `${hosted.url}/index.html`,
    `${hosted.url}/`,
  );

  await other.page.getByRole('radio', { name: 'Host' }).check();
  await other.page.getByRole('button', { name: 'Host a call' }).click();

  await expect(other.page.getByRole('alert')).toHaveText(
    'Could not host a call: Refused appel:host: the request does not come from the Appel window',
  );
  expect(other.refused).toEqual([`${hosted.url}/index.html`]);
  expect(controller.session).toBeNull();
});
