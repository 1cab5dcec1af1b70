/**
 * The page for everyone, on the real served page with the real appel-signal and two Chromium
 * peers in a real call: axe-core finds no serious violation anywhere, Tab reaches every control
 * in order with a visible focus ring, the keyboard shortcuts drive the call (and stay out of the
 * way while typing), the layout holds at 200% zoom, and reduced motion stops all movement.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import type { AppelSignal } from '../support/appel-signal.js';
import { startCallBed, stopCallBed } from './support/call-bed.js';
import { seriousViolations, tabThrough } from './support/a11y-helpers.js';
import {
  acceptCall,
  callPeer,
  callStatus,
  joinAs,
  openPeer,
  sentTracksEnabled,
  type PeerPage,
} from './support/page-helpers.js';

let server: AppelSignal;
let browser: Browser;
let peers: PeerPage[] = [];

test.beforeAll(async () => ({ server, browser } = await startCallBed()));
test.afterAll(() => stopCallBed(server, browser));

test.afterEach(async () => {
  await Promise.all(peers.map(({ context }) => context.close()));
  peers = [];
});

async function open(options?: Parameters<typeof openPeer>[2]): Promise<PeerPage> {
  const peer = await openPeer(browser, `${server.url}/`, options);
  peers.push(peer);
  return peer;
}

/** Two peers in a call, A having called B. */
async function inCall(): Promise<[PeerPage, PeerPage]> {
  const a = await open();
  const b = await open();
  await callPeer(a.page, b.name);
  await acceptCall(b.page, a.name);
  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);
  await expect(callStatus(b.page)).toHaveText(`In call with ${a.name}`);
  return [a, b];
}

/** Opens the server settings and every collapsed panel (chat, quality…). */
async function unfoldEverything(page: Page): Promise<void> {
  await page.evaluate(() => {
    for (const details of document.querySelectorAll('details')) details.open = true;
  });
  for (const toggle of await page.locator('button[aria-expanded="false"]:visible').all()) {
    await toggle.click();
  }
}

const notice = (page: Page) => page.getByRole('status', { name: 'Notice' });

test('axe-core finds no serious violation: setup screen, room, and a call with every panel open', async () => {
  const a = await open({ noJoin: true });
  expect(await seriousViolations(a.page), 'setup screen').toEqual([]);
  await joinAs(a.page, a.name);
  expect(await seriousViolations(a.page), 'room').toEqual([]);

  const b = await open();
  await callPeer(a.page, b.name);
  await expect(b.page.getByRole('alertdialog')).toBeVisible();
  expect(await seriousViolations(b.page), 'ringing').toEqual([]);
  await acceptCall(b.page, a.name);
  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);
  for (const { page } of [a, b]) {
    await unfoldEverything(page);
    expect(await seriousViolations(page), 'in a call, every panel open').toEqual([]);
  }
});

test('Tab reaches every control in order, each with a visible focus ring', async () => {
  const check = async (page: Page, where: string): Promise<void> => {
    const { expected, reached } = await tabThrough(page);
    expect(expected.length, `controls to reach (${where})`).toBeGreaterThan(3);
    expect(
      reached.map(({ name }) => name),
      `Tab order (${where})`,
    ).toEqual(expected);
    for (const { name, outline } of reached) {
      expect(outline.style, `${name} outline (${where})`).not.toBe('none');
      expect(outline.width, `${name} outline width (${where})`).toBeGreaterThanOrEqual(2);
      // WCAG 1.4.11: a focus indicator contrasts 3:1 at least with what surrounds it.
      expect(outline.contrast, `${name} outline contrast (${where})`).toBeGreaterThanOrEqual(3);
    }
  };
  const a = await open({ noJoin: true });
  await check(a.page, 'setup screen');
  await joinAs(a.page, a.name);
  const b = await open();
  await callPeer(a.page, b.name);
  await acceptCall(b.page, a.name);
  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);
  await a.page.evaluate(() => {
    for (const details of document.querySelectorAll('details')) details.open = true;
  });
  await check(a.page, 'in a call');
});

test('shortcuts drive a real call, say what they did, and never fire while typing', async () => {
  const [a, b] = await inCall();
  const mute = a.page.getByRole('button', { name: 'Mute microphone' });
  const camera = a.page.getByRole('button', { name: 'Camera off' });
  const hangUp = a.page.getByRole('button', { name: 'Hang up' });
  for (const [button, keys] of [
    [mute, 'Alt+Shift+M'],
    [camera, 'Alt+Shift+V'],
    [hangUp, 'Alt+Shift+H'],
    [a.page.locator('#share-button'), 'Alt+Shift+S'],
  ] as const) {
    await expect(button).toHaveAttribute('aria-keyshortcuts', keys);
    await expect(button).toHaveAttribute('title', new RegExp(`\\(${keys.replace(/\+/g, '\\+')}`));
  }

  await a.page.locator('body').click({ position: { x: 5, y: 5 } });
  await a.page.keyboard.press('Alt+Shift+M');
  await expect(mute).toHaveAttribute('aria-pressed', 'true');
  await expect(notice(a.page)).toHaveText('Microphone muted.');
  expect(await sentTracksEnabled(a.page)).toEqual({ audio: false, video: true });
  await a.page.keyboard.press('Alt+Shift+V');
  await expect(camera).toHaveAttribute('aria-pressed', 'true');
  await expect(notice(a.page)).toHaveText('Camera off.');
  expect(await sentTracksEnabled(a.page)).toEqual({ audio: false, video: false });
  await a.page.keyboard.press('Alt+Shift+M');
  await expect(mute).toHaveAttribute('aria-pressed', 'false');
  await expect(notice(a.page)).toHaveText('Microphone on.');
  expect(await sentTracksEnabled(a.page)).toEqual({ audio: true, video: false });

  // Typing in a text field or a select: the keys belong to the field.
  await a.page.getByText('Your STUN and TURN servers').click();
  await a.page.getByRole('button', { name: 'Add server' }).click();
  const urls = a.page.getByLabel('URLs (server 1)');
  await urls.fill('stun:');
  await urls.press('Alt+Shift+M');
  await a.page.getByRole('combobox', { name: 'Language' }).press('Alt+Shift+V');
  await urls.press('Alt+Shift+H');
  await urls.press('Alt+Shift+H');
  await expect(urls).toBeFocused();
  await expect(mute).toHaveAttribute('aria-pressed', 'false');
  await expect(camera).toHaveAttribute('aria-pressed', 'true');
  expect(await sentTracksEnabled(a.page)).toEqual({ audio: true, video: false });
  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);

  // Share presses the share button (caught here before it opens the browser's picker).
  await a.page.evaluate(() => {
    window.addEventListener(
      'click',
      (event) => {
        if ((event.target as Element).id !== 'share-button') return;
        event.stopPropagation();
        document.body.dataset.shareClicks = String(
          Number(document.body.dataset.shareClicks ?? 0) + 1,
        );
      },
      true,
    );
  });
  await a.page.locator('body').click({ position: { x: 5, y: 5 } });
  await a.page.keyboard.press('Alt+Shift+S');
  await expect(a.page.locator('body')).toHaveAttribute('data-share-clicks', '1');

  // One press of hang-up only says how to hang up; the second one does.
  await a.page.keyboard.press('Alt+Shift+H');
  await expect(notice(a.page)).toHaveText('Press Alt+Shift+H again to hang up.');
  await expect(callStatus(b.page)).toHaveText(`In call with ${a.name}`);
  await a.page.keyboard.press('Alt+Shift+H');
  await expect(callStatus(a.page)).toContainText('Call ended');
  await expect(callStatus(b.page)).toContainText('Call ended');
  await a.page.keyboard.press('Alt+Shift+H');
  await expect(notice(a.page)).toHaveText('No call to hang up.');
});

test('at 640×360 CSS px (1280×720 at 200% zoom) the call fits the width, controls in view', async () => {
  const [a] = await inCall();
  await a.page.setViewportSize({ width: 640, height: 360 });
  await unfoldEverything(a.page);
  const overflow = await a.page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const cut = [...document.querySelectorAll<HTMLElement>('button, input, select, textarea')]
      .filter((element) => element.checkVisibility({ visibilityProperty: true }))
      .filter((element) => {
        const { left, right } = element.getBoundingClientRect();
        return left < 0 || right > width + 0.5;
      })
      .map((element) => `${element.tagName.toLowerCase()}#${element.id}`);
    return { scroll: document.documentElement.scrollWidth - width, cut };
  });
  expect(overflow).toEqual({ scroll: 0, cut: [] });
  for (const name of ['Mute microphone', 'Camera off', 'Hang up']) {
    const button = a.page.getByRole('button', { name });
    await button.scrollIntoViewIfNeeded();
    await expect(button).toBeInViewport({ ratio: 1 });
  }
});

test('with reduced motion nothing moves: no transition or animation runs', async () => {
  const moving = (page: Page): Promise<string[]> =>
    page.evaluate(() => {
      const longest = (list: string): number =>
        Math.max(...list.split(',').map((each) => parseFloat(each) || 0));
      const found: string[] = [];
      for (const element of document.querySelectorAll('*')) {
        for (const pseudo of [null, '::before', '::after']) {
          const style = getComputedStyle(element, pseudo);
          const animated = style.animationName !== 'none' && longest(style.animationDuration) > 0;
          if (longest(style.transitionDuration) > 0 || animated) {
            found.push(`${element.tagName.toLowerCase()}#${element.id}${pseudo ?? ''}`);
          }
        }
      }
      for (const animation of document.getAnimations()) {
        const duration = Number(animation.effect?.getComputedTiming().duration ?? 0);
        const name = animation instanceof CSSAnimation ? animation.animationName : animation.id;
        if (animation.playState === 'running' && duration > 0) found.push(`animation ${name}`);
      }
      return found;
    });

  const a = await open();
  const b = await open();
  await callPeer(a.page, b.name);
  await expect(b.page.getByRole('alertdialog')).toBeVisible();
  // Without the preference the page does move (buttons fade, the ring glows): the check sees it.
  expect(await moving(b.page)).toEqual(
    expect.arrayContaining(['div#ring', 'button#accept-button']),
  );
  for (const { page } of [a, b]) await page.emulateMedia({ reducedMotion: 'reduce' });
  expect(await moving(b.page), 'ringing').toEqual([]);
  await acceptCall(b.page, a.name);
  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);
  for (const { page } of [a, b]) {
    await unfoldEverything(page);
    expect(await moving(page), 'in a call, every panel open').toEqual([]);
  }
});
