/**
 * Choosing the camera, microphone and speaker, on real Chromium pages with three fake devices
 * of each kind: the check before joining, switches during a real call (frames keep coming, no
 * new offer on the wire), the remembered choice, and a chosen device that is gone.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import type { AppelSignal } from '../support/appel-signal.js';
import { startCallBed, stopCallBed } from './support/call-bed.js';
import {
  deviceIdOf,
  frameLog,
  longestGap,
  receivedAudioEnergy,
  sentTrack,
  shownTrack,
  startFrameLog,
  unplug,
  unpluggableDevices,
  watchOffers,
} from './support/device-helpers.js';
import {
  acceptCall,
  callPeer,
  callStatus,
  captureStates,
  cspViolations,
  inboundStats,
  joinAs,
  openPeer,
  type PeerPage,
} from './support/page-helpers.js';

/**
 * The bound: the other side never waits longer than this for the next frame.
 * (Chromium's fake_device_1 is a depth camera, Y16, that WebRTC cannot send: the tests switch
 * between fake_device_0 and fake_device_2.)
 */
const MAX_FRAME_GAP_MS = 200;

let server: AppelSignal;
let browser: Browser;
let peers: PeerPage[] = [];

test.beforeAll(async () => ({ server, browser } = await startCallBed({ fakeDeviceCount: 3 })));
test.afterAll(() => stopCallBed(server, browser));

test.afterEach(async () => {
  for (const { page } of peers) expect(await cspViolations(page)).toEqual([]);
  await Promise.all(peers.map(({ context }) => context.close()));
  peers = [];
});

interface Peer extends PeerPage {
  /** Offers this page sent on its signaling WebSocket so far. */
  offers: () => number;
}

/** Opens a page, optionally changes it before it joins, and joins. */
async function open(prepare?: (peer: PeerPage) => Promise<void>): Promise<Peer> {
  const peer = await openPeer(browser, `${server.url}/`, { noJoin: true });
  peers.push(peer);
  const offers = watchOffers(peer.page);
  await prepare?.(peer);
  await joinAs(peer.page, peer.name);
  return { ...peer, offers };
}

/** `a` calls `b`, `b` accepts, and `b` decodes `a`'s video. */
async function connect(a: Peer, b: Peer): Promise<void> {
  await callPeer(a.page, b.name);
  await acceptCall(b.page, a.name);
  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);
  await expect(callStatus(b.page)).toHaveText(`In call with ${a.name}`);
  await expect.poll(async () => (await inboundStats(b.page)).framesDecoded).toBeGreaterThan(10);
}

const list = (page: Page, name: 'Camera' | 'Microphone' | 'Speaker') =>
  page.getByRole('combobox', { name, exact: true });

/** The label of the entry a list shows as chosen. */
const shownChoice = (page: Page, name: 'Camera' | 'Microphone' | 'Speaker') =>
  list(page, name).locator('option:checked');

test('the check before joining shows moving video and the microphone level, and closes with the screen', async () => {
  const peer = await openPeer(browser, `${server.url}/`, { noJoin: true });
  peers.push(peer);
  const { page } = peer;
  // Nothing opens the camera or the microphone before the user asks.
  expect(await captureStates(page)).toEqual([]);
  const check = page.getByRole('button', { name: 'Check camera and microphone' });
  await check.click();
  await expect(check).toHaveAttribute('aria-pressed', 'true');

  const preview = page.getByLabel('Camera preview', { exact: true });
  const playedTime = () => preview.evaluate((video) => (video as HTMLVideoElement).currentTime);
  await expect.poll(playedTime).toBeGreaterThan(0);
  const time = await playedTime();
  await expect.poll(playedTime, { message: 'the preview moves' }).toBeGreaterThan(time + 0.5);
  // Chromium's fake microphone beeps: the level rises above zero.
  const meter = page.getByRole('meter', { name: 'Microphone level' });
  await expect
    .poll(() => meter.evaluate((element) => (element as HTMLMeterElement).value))
    .toBeGreaterThan(0);

  await expect(list(page, 'Camera').locator('option')).toHaveText([
    'fake_device_0',
    'fake_device_1',
    'fake_device_2',
  ]);
  await list(page, 'Camera').selectOption({ label: 'fake_device_2' });
  await expect
    .poll(async () => (await shownTrack(page, 'Camera preview', 'video'))?.label)
    .toBe('fake_device_2');

  // Turned off: every track the preview opened has stopped.
  await check.click();
  await expect(check).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(() => captureStates(page)).toEqual(['ended', 'ended', 'ended']);

  // Leaving the setup screen closes it too; the choice made in the preview stays.
  await check.click();
  await expect
    .poll(async () => (await captureStates(page)).filter((s) => s === 'live'))
    .toHaveLength(2);
  await joinAs(page, peer.name);
  await expect.poll(async () => new Set(await captureStates(page))).toEqual(new Set(['ended']));
  await expect(shownChoice(page, 'Camera')).toHaveText('fake_device_2');
});

test('switching camera, microphone and speaker during a call: no gap, no new offer, mute kept', async () => {
  const a = await open();
  const b = await open();
  await connect(a, b);
  const offersInCall = a.offers() + b.offers();
  expect(offersInCall).toBeGreaterThan(0);

  // Camera: b notes every frame its remote video presents, from before the switch to well after.
  await startFrameLog(b.page);
  await expect.poll(async () => (await frameLog(b.page)).length).toBeGreaterThan(20);
  const decodedBefore = (await inboundStats(b.page)).framesDecoded;
  const newCamera = await deviceIdOf(a.page, 'videoinput', 'fake_device_2');
  await list(a.page, 'Camera').selectOption({ label: 'fake_device_2' });
  await expect
    .poll(() => sentTrack(a.page, 'video'))
    .toMatchObject({ label: 'fake_device_2', deviceId: newCamera, readyState: 'live' });
  const framesAtSwitch = (await frameLog(b.page)).length;
  await expect
    .poll(async () => (await frameLog(b.page)).length)
    .toBeGreaterThan(framesAtSwitch + 20);
  const gap = longestGap(await frameLog(b.page));
  console.log(
    `[devices] longest gap between presented frames around a camera switch: ${gap.toFixed(1)} ms`,
  );
  test
    .info()
    .annotations.push({ type: 'camera switch max frame gap (ms)', description: gap.toFixed(1) });
  expect(gap).toBeLessThan(MAX_FRAME_GAP_MS);
  expect((await inboundStats(b.page)).framesDecoded).toBeGreaterThan(decodedBefore + 20);
  // The old camera is closed, the local view shows the new one.
  expect((await shownTrack(a.page, 'Your camera', 'video'))?.label).toBe('fake_device_2');
  await expect(shownChoice(a.page, 'Camera')).toHaveText('fake_device_2');

  // Camera off carries over to the next camera.
  const cameraOff = a.page.getByRole('button', { name: 'Camera off' });
  await cameraOff.click();
  await list(a.page, 'Camera').selectOption({ label: 'fake_device_0' });
  await expect
    .poll(() => sentTrack(a.page, 'video'))
    .toMatchObject({ label: 'fake_device_0', enabled: false });
  await cameraOff.click();
  expect((await sentTrack(a.page, 'video'))?.enabled).toBe(true);

  // Microphone, muted: the new one is muted too; unmuted, its sound reaches b.
  const mute = a.page.getByRole('button', { name: 'Mute microphone' });
  await mute.click();
  const newMicrophone = await deviceIdOf(a.page, 'audioinput', 'Fake Audio Input 2');
  await list(a.page, 'Microphone').selectOption({ label: 'Fake Audio Input 2' });
  await expect
    .poll(() => sentTrack(a.page, 'audio'))
    .toMatchObject({
      label: 'Fake Audio Input 2',
      deviceId: newMicrophone,
      readyState: 'live',
      enabled: false,
    });
  await mute.click();
  const packets = (await inboundStats(b.page)).audioPacketsReceived;
  const energy = await receivedAudioEnergy(b.page);
  await expect
    .poll(async () => (await inboundStats(b.page)).audioPacketsReceived)
    .toBeGreaterThan(packets + 50);
  await expect.poll(() => receivedAudioEnergy(b.page)).toBeGreaterThan(energy);

  // Speaker: b plays the call on the output it chose.
  const output = await deviceIdOf(b.page, 'audiooutput', 'Fake Audio Output 1');
  await list(b.page, 'Speaker').selectOption({ label: 'Fake Audio Output 1' });
  await expect
    .poll(() =>
      b.page
        .getByLabel('Remote video', { exact: true })
        .evaluate((video) => (video as HTMLVideoElement).sinkId),
    )
    .toBe(output);

  // All of it by replaceTrack: no offer went out since the call connected.
  expect(a.offers() + b.offers()).toBe(offersInCall);
});

test('the chosen devices are remembered: after a reload the lists show them and the next call uses them', async () => {
  const a = await open();
  const b = await open();
  await list(a.page, 'Camera').selectOption({ label: 'fake_device_2' });
  await list(a.page, 'Microphone').selectOption({ label: 'Fake Audio Input 2' });
  await list(a.page, 'Speaker').selectOption({ label: 'Fake Audio Output 2' });

  await a.page.reload();
  await joinAs(a.page, a.name);
  await expect(shownChoice(a.page, 'Camera')).toHaveText('fake_device_2');
  await expect(shownChoice(a.page, 'Microphone')).toHaveText('Fake Audio Input 2');
  await expect(shownChoice(a.page, 'Speaker')).toHaveText('Fake Audio Output 2');

  await connect(a, b);
  expect((await shownTrack(a.page, 'Your camera', 'video'))?.deviceId).toBe(
    await deviceIdOf(a.page, 'videoinput', 'fake_device_2'),
  );
  expect((await shownTrack(a.page, 'Your camera', 'audio'))?.deviceId).toBe(
    await deviceIdOf(a.page, 'audioinput', 'Fake Audio Input 2'),
  );
  expect(
    await a.page
      .getByLabel('Remote video', { exact: true })
      .evaluate((video) => (video as HTMLVideoElement).sinkId),
  ).toBe(await deviceIdOf(a.page, 'audiooutput', 'Fake Audio Output 2'));
  await expect(a.page.getByRole('status', { name: 'Camera and microphone' })).not.toContainText(
    'not available',
  );
});

test('a remembered camera that is gone: the call opens the default one and says which is missing', async () => {
  const a = await open(async ({ page }) => {
    await page.evaluate(() =>
      localStorage.setItem(
        'appel.device.videoinput',
        JSON.stringify({ deviceId: 'a-camera-unplugged-since', label: 'Old Webcam' }),
      ),
    );
  });
  const b = await open();
  await connect(a, b);
  await expect(a.page.getByRole('status', { name: 'Camera and microphone' })).toContainText(
    '“Old Webcam” is not available: using the default camera.',
  );
  expect((await shownTrack(a.page, 'Your camera', 'video'))?.label).toBe('fake_device_0');
});

test('the camera in use is unplugged during a call: the default takes over, with a notice and no new offer', async () => {
  const a = await open(async ({ page }) => {
    await page.context().addInitScript(unpluggableDevices);
    await page.reload();
  });
  const b = await open();
  await connect(a, b);
  await list(a.page, 'Camera').selectOption({ label: 'fake_device_2' });
  await expect.poll(async () => (await sentTrack(a.page, 'video'))?.label).toBe('fake_device_2');
  const offersInCall = a.offers() + b.offers();

  await unplug(a.page, await deviceIdOf(a.page, 'videoinput', 'fake_device_2'));
  await expect
    .poll(() => sentTrack(a.page, 'video'))
    .toMatchObject({
      label: 'fake_device_0',
      readyState: 'live',
    });
  const notice = '“fake_device_2” is not available: using the default camera.';
  await expect(a.page.locator('#device-controls')).toContainText(notice);
  await expect(a.page.getByRole('status', { name: 'Notice' })).toHaveText(notice);
  await expect(shownChoice(a.page, 'Camera')).toHaveText('fake_device_0');
  const decoded = (await inboundStats(b.page)).framesDecoded;
  await expect
    .poll(async () => (await inboundStats(b.page)).framesDecoded)
    .toBeGreaterThan(decoded + 10);
  expect(a.offers() + b.offers()).toBe(offersInCall);
});
