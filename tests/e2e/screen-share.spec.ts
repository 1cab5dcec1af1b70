/**
 * Screen sharing in real calls. Browser pages share through Chromium's getDisplayMedia, whose fake
 * screen (--use-fake-ui-for-media-stream) is 1280×720 while the fake camera is 640×480: the
 * callee's picture changing from 4:3 to 16:9 is the share arriving. The desktop page shares
 * through the app's own picker, fed by main's real DisplayCapture over real IPC (a stand-in
 * desktopCapturer, support/test-capturer.ts).
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, test, type Browser, type Page } from '@playwright/test';
import type { AppelSignal } from '../support/appel-signal.js';
import { startCallBed, stopCallBed } from './support/call-bed.js';
import { createCleanups } from '../support/cleanups.js';
import { callStatus, DesktopHarness, hostFromPage } from './support/electron-call.js';
import { bundlePreloadBridge } from './support/ipc-transport.js';
import {
  acceptCall,
  callPeer,
  inboundStats,
  joinAs,
  offersMade,
  openPeer,
  type PeerPage,
  type PeerPageOptions,
} from './support/page-helpers.js';
import {
  aspectSeenAt,
  CAMERA_ASPECT,
  remoteAspect,
  SCREEN_ASPECT,
  sentTrackLabels,
  watchRemoteAspect,
} from './support/screen-share.js';
import { TEST_SOURCES } from './support/test-capturer.js';

/** The README's picture of the picker; refreshed with `APPEL_UPDATE_SCREENSHOT=1`. */
const pickerScreenshot = fileURLToPath(new URL('../../docs/share-picker.png', import.meta.url));

const cleanups = createCleanups();
test.afterEach(() => cleanups.run());

/** The page's share toggle, whichever its state. */
function shareButton(page: Page) {
  return page.getByRole('button', { name: /^(Share screen|Stop sharing)$/ });
}

/** The picture the callee shows settles on `aspect`. */
async function expectRemoteAspect(page: Page, aspect: number): Promise<void> {
  await expect.poll(() => remoteAspect(page)).toBeCloseTo(aspect, 2);
}

/** Remote frames keep being decoded: 20 more than now. */
async function expectFramesFlowing(page: Page): Promise<void> {
  const decoded = (await inboundStats(page)).framesDecoded;
  await expect
    .poll(async () => (await inboundStats(page)).framesDecoded)
    .toBeGreaterThan(decoded + 20);
}

test.describe('in a browser, through getDisplayMedia', () => {
  let server: AppelSignal;
  let browser: Browser;

  test.beforeAll(async () => ({ server, browser } = await startCallBed()));
  test.afterAll(() => stopCallBed(server, browser));

  /** Two pages in a call, the caller with `options`; the callee's picture is decoding. */
  async function inCall(options: PeerPageOptions = {}): Promise<[PeerPage, PeerPage]> {
    const a = await openPeer(browser, `${server.url}/`, options);
    cleanups.push(() => a.context.close());
    const b = await openPeer(browser, `${server.url}/`);
    cleanups.push(() => b.context.close());
    await expect(shareButton(a.page)).toBeDisabled();
    await callPeer(a.page, b.name);
    await acceptCall(b.page, a.name);
    await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);
    return [a, b];
  }

  test('the screen reaches the other side within a second, with no new offer; Stop brings the camera back', async () => {
    const [a, b] = await inCall();
    await expectRemoteAspect(b.page, CAMERA_ASPECT);
    const microphone = (await sentTrackLabels(a.page)).audio;
    const offers = [await offersMade(a.page), await offersMade(b.page)];
    const button = shareButton(a.page);
    await expect(button).toHaveText('Share screen');
    await expect(button).toHaveAttribute('aria-pressed', 'false');

    await watchRemoteAspect(b.page, SCREEN_ASPECT);
    const clicked = Date.now();
    await button.click();
    const seen = await aspectSeenAt(b.page);
    test
      .info()
      .annotations.push({ type: 'click → remote screen', description: `${seen - clicked} ms` });
    expect(seen - clicked, 'click → the callee shows the screen (ms)').toBeLessThan(1000);

    await expect(button).toHaveText('Stop sharing');
    await expect(button).toHaveAttribute('aria-pressed', 'true');
    await expect(a.page.locator('#notice')).toHaveText(
      'You are sharing your screen and your computer’s sound.',
    );
    await expectFramesFlowing(b.page);
    // The local preview shows what is sent.
    await expect
      .poll(() =>
        a.page
          .getByLabel('Your camera', { exact: true })
          .evaluate((video: HTMLVideoElement) => video.videoWidth / video.videoHeight),
      )
      .toBeCloseTo(SCREEN_ASPECT, 2);
    // The fake screen comes with sound: the microphone and it go mixed, in place of the mic.
    const shared = await sentTrackLabels(a.page);
    expect(shared.video).toMatch(/^screen:/);
    expect(shared.audio).not.toBe(microphone);
    const audio = (await inboundStats(b.page)).audioPacketsReceived;
    await expect
      .poll(async () => (await inboundStats(b.page)).audioPacketsReceived)
      .toBeGreaterThan(audio + 20);

    await button.click();
    await expectRemoteAspect(b.page, CAMERA_ASPECT);
    await expectFramesFlowing(b.page);
    expect((await sentTrackLabels(a.page)).audio).toBe(microphone);
    await expect(button).toHaveText('Share screen');
    await expect(button).toHaveAttribute('aria-pressed', 'false');
    await expect(a.page.locator('#notice')).toHaveText('Screen sharing stopped.');
    expect([await offersMade(a.page), await offersMade(b.page)]).toEqual(offers);
  });

  test("the browser's stop bar (the track's 'ended') and the end of the call stop the share", async () => {
    const [a, b] = await inCall();
    const button = shareButton(a.page);
    const sentScreen = () =>
      a.page.evaluateHandle(() => {
        const pc = window.__appelTestPeerConnections!.at(-1)!;
        return pc.getSenders().find((sender) => sender.track?.kind === 'video')!.track!;
      });

    await button.click();
    await expectRemoteAspect(b.page, SCREEN_ASPECT);
    const screen = await sentScreen();
    // What Chromium's "Stop sharing" bar does to the capture.
    await screen.evaluate((track) => track.dispatchEvent(new Event('ended')));
    await expectRemoteAspect(b.page, CAMERA_ASPECT);
    await expect(button).toHaveText('Share screen');
    expect(await screen.evaluate((track) => track.readyState)).toBe('ended');

    await button.click();
    await expectRemoteAspect(b.page, SCREEN_ASPECT);
    const again = await sentScreen();
    await b.page.getByRole('button', { name: 'Hang up' }).click();
    await expect(callStatus(a.page)).toHaveText(`Call ended. ${b.name} hung up.`);
    expect(await again.evaluate((track) => track.readyState)).toBe('ended');
    await expect(button).toHaveText('Share screen');
    await expect(button).toBeDisabled();
  });

  test('a call without a camera adds the screen (one renegotiation), and sends nothing after', async () => {
    const [a, b] = await inCall({ noCamera: true });
    const offers = await offersMade(a.page);
    await shareButton(a.page).click();
    await expectRemoteAspect(b.page, SCREEN_ASPECT);
    await expectFramesFlowing(b.page);
    expect(await offersMade(a.page)).toBe(offers + 1);

    await shareButton(a.page).click();
    await expect(shareButton(a.page)).toHaveText('Share screen');
    expect((await sentTrackLabels(a.page)).video).toBeUndefined();
    expect(await offersMade(a.page)).toBe(offers + 1);
  });
});

test.describe('in the desktop app, through its own picker', () => {
  const HOST = 'Hana';
  const GUEST = 'Gus';
  let preloadBundle: string;

  test.beforeAll(async () => {
    preloadBundle = await bundlePreloadBridge();
  });

  test('the picker lists screens and windows; the pick goes to main and the screen to the guest; Cancel and Escape share nothing', async () => {
    const desktop = new DesktopHarness(cleanups, preloadBundle);
    const { host, browser } = await desktop.host(HOST);
    const invite = await hostFromPage(host.page, HOST);
    const guest = await desktop.guest(browser, invite);
    await joinAs(guest, GUEST);
    await callPeer(host.page, GUEST);
    await acceptCall(guest, HOST);
    await expect(callStatus(host.page)).toHaveText(`In call with ${GUEST}`);
    await expectRemoteAspect(guest, CAMERA_ASPECT);

    const page = host.page;
    const button = shareButton(page);
    const picker = page.getByRole('dialog', { name: 'Share your screen' });
    const screens = picker.getByRole('group', { name: 'Screens' });
    const windows = picker.getByRole('group', { name: 'Windows' });
    const [screen, appWindow] = TEST_SOURCES;
    const request = {
      frameUrl: page.url(),
      topFrame: true,
      videoRequested: true,
      audioRequested: false,
    };
    /** Main's display media handler's answer to this page now (it uses up a pick). */
    const decide = () => {
      const decision = host.display.decide(request, page.url());
      return 'granted' in decision ? decision.granted.video.id : decision.refused;
    };

    // Cancel.
    await button.click();
    await expect(picker).toBeVisible();
    await expect(screens.getByRole('radio', { name: screen.name })).toBeChecked();
    await expect(windows.getByRole('radio', { name: appWindow.name })).not.toBeChecked();
    // The thumbnails main listed, screen first.
    expect(
      await picker
        .locator('img')
        .evaluateAll((images: HTMLImageElement[]) => images.map((image) => image.src)),
    ).toEqual(TEST_SOURCES.map((source) => source.thumbnail));
    // No system audio on this OS (main says so).
    await expect(picker.getByRole('checkbox', { name: 'Share system audio' })).toBeHidden();
    await picker.getByRole('button', { name: 'Cancel' }).click();
    await expect(picker).toBeHidden();
    await expect(button).toBeFocused();
    await expect(button).toHaveAttribute('aria-pressed', 'false');
    expect(host.display.picked).toBe(false);

    // Escape.
    await button.click();
    await expect(screens.getByRole('radio', { name: screen.name })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(picker).toBeHidden();
    expect(host.display.picked).toBe(false);
    expect(decide()).toBe('no-pick');
    await expectRemoteAspect(guest, CAMERA_ASPECT);

    // The keyboard picks the window.
    await button.click();
    await expect(screens.getByRole('radio', { name: screen.name })).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(windows.getByRole('radio', { name: appWindow.name })).toBeChecked();
    // Every run attaches the picker's picture; the README's copy changes only when asked to.
    const picture = await page.screenshot({ path: test.info().outputPath('share-picker.png') });
    await test.info().attach('share-picker', { body: picture, contentType: 'image/png' });
    if (process.env.APPEL_UPDATE_SCREENSHOT === '1') await writeFile(pickerScreenshot, picture);
    await page.keyboard.press('Enter');
    await expect(picker).toBeHidden();
    // Main got the pick through the real IPC: its handler grants exactly that source, once.
    await expect.poll(decide).toBe(appWindow.id);
    expect(decide()).toBe('no-pick');

    await expectRemoteAspect(guest, SCREEN_ASPECT);
    await expect(button).toHaveText('Stop sharing');
    await expect(button).toHaveAttribute('aria-pressed', 'true');
    await expectFramesFlowing(guest);

    await button.click();
    await expectRemoteAspect(guest, CAMERA_ASPECT);
    expect(host.refused).toEqual([]);
  });
});
