/**
 * The desktop app in plain Chromium for the Electron-path tests: a real SessionController (with
 * its embedded server) behind main's real IPC handlers, and the window's page running the real
 * preload bridge over the substituted transport (ipc-transport.ts). Plus the page actions those
 * tests share: Host and Join by the page's accessible names, media checked on getStats().
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, expect, type Browser, type Page } from '@playwright/test';
import type { SessionInfo } from '../../../common/bridge-api.js';
import { desktopServices } from '../../../main/desktop-services.js';
import { DisplayCapture } from '../../../main/display-capture.js';
import { Downloads } from '../../../main/downloads.js';
import { forwardEvents, registerIpcHandlers } from '../../../main/ipc.js';
import { isAppPage } from '../../../main/navigation.js';
import { CERTIFICATES_DIR, SessionController } from '../../../main/session.js';
import { createLogger } from '../../../signaling-server/log.js';
import { chromiumArgs, chromiumExecutable } from '../../support/chromium.js';
import type { Cleanups } from '../../support/cleanups.js';
import { connectPageIpc, TestIpcMain, type PageIpc, type PageIpcEvent } from './ipc-transport.js';
import { inboundStats } from './page-helpers.js';
import { testCapturer } from './test-capturer.js';

const rendererDir = fileURLToPath(new URL('../../../dist/renderer', import.meta.url));
const quiet = createLogger('appel:test', { silent: true });

/** Init script: records every RTCPeerConnection the page creates, where page-helpers reads them. */
export function capturePeerConnections(): void {
  const Native = window.RTCPeerConnection;
  const created: RTCPeerConnection[] = [];
  window.__appelTestPeerConnections = created;
  window.RTCPeerConnection = class extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      created.push(this);
    }
  };
}

/** Arguments for `addInitScript(...CAPTURE_SCRIPT)`, in a page or an Electron app's context. */
export const CAPTURE_SCRIPT = [capturePeerConnections] as const;

export { callStatus } from './page-helpers.js';

/** Video frames decoded and audio packets received on every page. */
export async function expectMediaOnEverySide(...pages: Page[]): Promise<void> {
  for (const page of pages) {
    await expect.poll(async () => (await inboundStats(page)).framesDecoded).toBeGreaterThan(0);
    await expect
      .poll(async () => (await inboundStats(page)).audioPacketsReceived)
      .toBeGreaterThan(0);
  }
}

/** Types the name, Host mode, "Host a call"; resolves with the invite the page shows. */
export async function hostFromPage(page: Page, name: string): Promise<string> {
  await page.getByRole('textbox', { name: 'Your name' }).fill(name);
  await page.getByRole('radio', { name: 'Host' }).check();
  await page.getByRole('button', { name: 'Host a call' }).click();
  const invite = page.getByRole('textbox', { name: 'Invite to share' });
  await expect(invite).toHaveValue(
    /^https:\/\/[^/]+\/#room=.+&key=.+&fp=([0-9A-F]{2}:){31}[0-9A-F]{2}$/,
  );
  return invite.inputValue();
}

/** Types the name, Join mode, pastes `invite`, "Join". */
export async function joinFromPage(page: Page, invite: string, name: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Your name' }).fill(name);
  await page.getByRole('radio', { name: 'Join' }).check();
  await page.getByRole('textbox', { name: 'Invite or server address' }).fill(invite);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
}

/** One simulated desktop app: a controller, and the window's page talking to it over IPC. */
export interface DesktopApp {
  controller: SessionController;
  page: Page;
  ipc: PageIpc;
  /** URLs of the frames whose invokes the sender check refused. */
  refused: string[];
  /** The app's Downloads folder (a fresh temporary one). */
  downloadsDir: string;
  /** Main's screen-share decisions, over a stand-in desktopCapturer. */
  display: DisplayCapture;
  /** Links main handed to the system browser. */
  openedLinks: string[];
}

/** Builds desktop apps for one test; everything they start is undone by `cleanups`. */
export class DesktopHarness {
  constructor(
    private readonly cleanups: Cleanups,
    /** From bundlePreloadBridge(): the app's preload, as the window runs it. */
    private readonly preloadBundle: string,
  ) {}

  /** A controller with a fresh userData, bound to loopback, serving the built page. */
  async controller(): Promise<{ controller: SessionController; userDataDir: string }> {
    const userDataDir = await this.cleanups.tempDir('appel-desktop-');
    const controller = new SessionController({
      userDataDir,
      staticDir: rendererDir,
      bindHost: '127.0.0.1',
      logger: quiet,
      serverLogger: quiet,
    });
    this.cleanups.push(() => controller.leave());
    return { controller, userDataDir };
  }

  /** Chromium with fake media, trusting one certificate. */
  async browser(trustCertPem: string): Promise<Browser> {
    const launched = await chromium.launch({
      executablePath: chromiumExecutable(),
      args: chromiumArgs({ trustCertPem }),
    });
    this.cleanups.push(() => launched.close());
    return launched;
  }

  /**
   * Opens `url` as the app's window would show it: the bundled preload installs `window.appel`,
   * and main's handlers answer only this page's top frame, and only at `appUrl`.
   */
  async open(
    on: Browser,
    controller: SessionController,
    url: string,
    appUrl = url,
  ): Promise<DesktopApp> {
    const context = await on.newContext({ viewport: { width: 1280, height: 720 } });
    this.cleanups.push(() => context.close());
    await context.addInitScript(...CAPTURE_SCRIPT);
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error(`[desktop page] ${error.message}`));
    const ipcMain = new TestIpcMain();
    const refused: string[] = [];
    const downloadsDir = await this.cleanups.tempDir('appel-downloads-');
    const downloads = new Downloads(() => downloadsDir);
    this.cleanups.push(() => downloads.abandonAll());
    const display = new DisplayCapture(testCapturer);
    const openedLinks: string[] = [];
    const services = desktopServices({
      display,
      downloads,
      openInBrowser: (link) => {
        openedLinks.push(link);
        return Promise.resolve();
      },
    });
    const isTrusted = (event: PageIpcEvent): boolean => {
      // main/index.ts's guard: the app window's top frame, showing the app's page.
      const trusted =
        event.sender === page &&
        event.senderFrame === page.mainFrame() &&
        isAppPage(event.senderFrame.url(), appUrl);
      if (!trusted) refused.push(event.senderFrame.url());
      return trusted;
    };
    registerIpcHandlers(ipcMain, controller, isTrusted, services);
    const ipc = await connectPageIpc(page, ipcMain, this.preloadBundle);
    await page.goto(url);
    // Host is offered only on the desktop bridge.
    await expect(page.getByRole('radio', { name: 'Host' })).toBeEnabled();
    const stopForwarding = forwardEvents(controller, (channel, payload) =>
      ipc.send(channel, payload),
    );
    this.cleanups.push(async () => {
      stopForwarding();
      await ipc.flushed();
      expect(ipc.errors).toEqual([]);
    });
    return { controller, page, ipc, refused, downloadsDir, display, openedLinks };
  }

  /**
   * A desktop host named `name`: its controller starts the embedded server, whose page the window
   * shows, in a Chromium that trusts the certificate the controller generated in userData.
   */
  async host(name: string): Promise<{ host: DesktopApp; hosted: SessionInfo; browser: Browser }> {
    const { controller, userDataDir } = await this.controller();
    const hosted = await controller.host({ name });
    const origin = hosted.host?.urls[0];
    if (!origin) throw new Error('the host has no URL');
    const certPem = await readFile(join(userDataDir, CERTIFICATES_DIR, 'cert.pem'), 'utf8');
    const browser = await this.browser(certPem);
    const host = await this.open(browser, controller, `${origin}/`);
    return { host, hosted, browser };
  }

  /** A plain browser page (the web bridge), with its peer connections captured. */
  async guest(on: Browser, url: string): Promise<Page> {
    const context = await on.newContext({ viewport: { width: 1280, height: 720 } });
    this.cleanups.push(() => context.close());
    await context.addInitScript(...CAPTURE_SCRIPT);
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error(`[guest page] ${error.message}`));
    await page.goto(url);
    return page;
  }
}
