/**
 * Two (or three) real Chromium peers on the call page served by the real appel-signal: calls by
 * id, glare, receive-only and error paths, checked on what the page shows and on getStats().
 */
import { fileURLToPath } from 'node:url';
import { expect, test, type Browser } from '@playwright/test';
import { io, type Socket } from 'socket.io-client';
import { Events, type PeerList } from '../../common/protocol.js';
import type { AppelSignal } from '../support/appel-signal.js';
import { startCallBed, stopCallBed } from './support/call-bed.js';
import {
  acceptCall,
  callPeer,
  callStatus,
  captureStates,
  connectionStates,
  framesDecodedAnywhere,
  cspViolations,
  inboundStats,
  localIce,
  offersMade,
  holdSignaling,
  openPeer,
  releaseSignaling,
  restartIce,
  sentTracksEnabled,
  videoWidth,
  type PeerPage,
} from './support/page-helpers.js';

/** The README's screenshot; refreshed with `APPEL_UPDATE_SCREENSHOT=1 npm run test:e2e`. */
const screenshotPath = fileURLToPath(new URL('../../docs/call.png', import.meta.url));

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

/** Media flows both ways: video frames decoded and audio packets received on each side. */
async function expectMediaBothWays(a: PeerPage, b: PeerPage): Promise<void> {
  for (const { page } of [a, b]) {
    await expect.poll(async () => (await inboundStats(page)).framesDecoded).toBeGreaterThan(0);
    await expect
      .poll(async () => (await inboundStats(page)).audioPacketsReceived)
      .toBeGreaterThan(0);
    await expect.poll(() => videoWidth(page, 'Remote video')).toBeGreaterThan(0);
  }
}

test('A calls B, B accepts: audio and video flow both ways, then A hangs up', async () => {
  const a = await open();
  const b = await open();

  await callPeer(a.page, b.name);
  await expect(callStatus(a.page)).toHaveText(`Ringing ${b.name}…`);
  await acceptCall(b.page, a.name);

  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);
  await expect(callStatus(b.page)).toHaveText(`In call with ${a.name}`);
  await expectMediaBothWays(a, b);
  await expect.poll(() => videoWidth(a.page, 'Your camera')).toBeGreaterThan(0);
  // Every run attaches its screenshot to the report; docs/ changes only when asked to.
  await test.info().attach('call', { body: await a.page.screenshot(), contentType: 'image/png' });
  if (process.env.APPEL_UPDATE_SCREENSHOT === '1')
    await a.page.screenshot({ path: screenshotPath });

  const mute = a.page.getByRole('button', { name: 'Mute microphone' });
  const cameraOff = a.page.getByRole('button', { name: 'Camera off' });
  await mute.click();
  await expect(mute).toHaveAttribute('aria-pressed', 'true');
  expect(await sentTracksEnabled(a.page)).toEqual({ audio: false, video: true });
  await cameraOff.click();
  await mute.click();
  await expect(cameraOff).toHaveAttribute('aria-pressed', 'true');
  expect(await sentTracksEnabled(a.page)).toEqual({ audio: true, video: false });

  await a.page.getByRole('button', { name: 'Hang up' }).click();

  await expect(callStatus(a.page)).toContainText('Call ended');
  await expect(callStatus(b.page)).toContainText('Call ended');
  for (const { page } of [a, b]) {
    await expect.poll(() => connectionStates(page)).toEqual(['closed']);
    await expect(page.getByRole('button', { name: 'Hang up' })).toBeDisabled();
    await expect.poll(() => videoWidth(page, 'Remote video')).toBe(0);
    // No call needs them: every capture track ended (the camera light goes off).
    await expect.poll(() => captureStates(page)).toEqual(['ended', 'ended']);
    expect(await cspViolations(page)).toEqual([]);
  }
});

test('the call ends when the other side closes its page', async () => {
  const a = await open();
  const b = await open();
  await callPeer(a.page, b.name);
  await acceptCall(b.page, a.name);
  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);

  await b.context.close();

  await expect(callStatus(a.page)).toHaveText(`Call ended. ${b.name} left.`);
  await expect(a.page.getByRole('button', { name: `Call ${b.name}` })).toHaveCount(0);
  await expect.poll(() => connectionStates(a.page)).toEqual(['closed']);
});

test('a third caller hears busy while a call is in progress', async () => {
  const a = await open();
  const b = await open();
  const c = await open();
  await callPeer(a.page, b.name);
  await acceptCall(b.page, a.name);
  await expect(callStatus(b.page)).toHaveText(`In call with ${a.name}`);

  await callPeer(c.page, a.name);

  await expect(callStatus(c.page)).toHaveText(`Call ended. ${a.name} is in another call.`);
  await expect.poll(() => connectionStates(c.page)).toEqual(['closed']);
  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);
  await expect(a.page.getByRole('alertdialog')).toBeHidden();
  expect(await connectionStates(a.page)).toEqual(['connected']);
});

test('both call each other at the same moment: one call, media both ways', async () => {
  const a = await open({ holdableSignaling: true });
  const b = await open({ holdableSignaling: true });
  await expect(a.page.getByRole('button', { name: `Call ${b.name}` })).toBeVisible();
  await expect(b.page.getByRole('button', { name: `Call ${a.name}` })).toBeVisible();
  // Signaling held on both sides until both have offered: the offers are sure to cross.
  await Promise.all([holdSignaling(a.page), holdSignaling(b.page)]);

  await Promise.all([
    a.page.getByRole('button', { name: `Call ${b.name}` }).click(),
    b.page.getByRole('button', { name: `Call ${a.name}` }).click(),
  ]);
  await expect.poll(() => offersMade(a.page)).toBeGreaterThanOrEqual(1);
  await expect.poll(() => offersMade(b.page)).toBeGreaterThanOrEqual(1);
  await Promise.all([releaseSignaling(a.page), releaseSignaling(b.page)]);

  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);
  await expect(callStatus(b.page)).toHaveText(`In call with ${a.name}`);
  await expectMediaBothWays(a, b);
  for (const { page } of [a, b]) {
    expect(await connectionStates(page)).toEqual(['connected']);
  }

  // An ICE restart on both sides at once (another collision) renegotiates without a new call.
  const before = await Promise.all([localIce(a.page), localIce(b.page)]);
  const frames = (await inboundStats(a.page)).framesDecoded;
  await Promise.all([restartIce(a.page), restartIce(b.page)]);
  for (const [i, { page }] of [a, b].entries()) {
    // A ufrag may hold '+' and '/': compare it as text, never as a pattern.
    await expect
      .poll(async () => {
        const ice = await localIce(page);
        return ice.signaling === 'stable' && ice.ufrag !== before[i]!.ufrag;
      })
      .toBe(true);
  }
  await expect.poll(async () => (await inboundStats(a.page)).framesDecoded).toBeGreaterThan(frames);
  for (const { page } of [a, b]) {
    expect(await connectionStates(page)).toEqual(['connected']);
    await expect(callStatus(page)).toContainText('In call with');
  }
});

test('denied camera and microphone: the page says so and still receives video', async () => {
  const a = await open();
  const denied = await open({ denyMedia: true });

  await callPeer(denied.page, a.name);
  await acceptCall(a.page, denied.name);

  await expect(denied.page.getByRole('status', { name: 'Camera and microphone' })).toContainText(
    'denied',
  );
  await expect(denied.page.getByRole('button', { name: 'Mute microphone' })).toBeDisabled();
  await expect(callStatus(denied.page)).toHaveText(`In call with ${a.name}`);
  await expect(callStatus(a.page)).toHaveText(`In call with ${denied.name}`);
  await expect.poll(async () => (await inboundStats(denied.page)).framesDecoded).toBeGreaterThan(0);
  await expect
    .poll(async () => (await inboundStats(denied.page)).audioPacketsReceived)
    .toBeGreaterThan(0);
  await expect.poll(() => videoWidth(denied.page, 'Remote video')).toBeGreaterThan(0);
});

test('without a camera the call is audio-only one way and still carries video the other', async () => {
  const a = await open();
  const noCamera = await open({ noCamera: true });

  await callPeer(a.page, noCamera.name);
  await acceptCall(noCamera.page, a.name);

  await expect(noCamera.page.getByRole('status', { name: 'Camera and microphone' })).toHaveText(
    'Calling without camera: no camera was found.',
  );
  await expect(noCamera.page.getByRole('button', { name: 'Camera off' })).toBeDisabled();
  await expect(callStatus(a.page)).toHaveText(`In call with ${noCamera.name}`);
  await expect(callStatus(noCamera.page)).toHaveText(`In call with ${a.name}`);
  await expect
    .poll(async () => (await inboundStats(a.page)).audioPacketsReceived)
    .toBeGreaterThan(0);
  await expect
    .poll(async () => (await inboundStats(noCamera.page)).framesDecoded)
    .toBeGreaterThan(0);
  expect(await sentTracksEnabled(noCamera.page)).toEqual({ audio: true });
});

/** A peer's id, as a member of the default room sees it in its peer list. */
async function idOf(name: string): Promise<string> {
  const socket: Socket = io(server.url, {
    ca: server.certPem,
    transports: ['websocket'],
    auth: { name: 'Directory' },
  });
  try {
    const list = await new Promise<PeerList>((resolve) => socket.once(Events.peerList, resolve));
    const peer = list.peers.find((candidate) => candidate.name === name);
    if (!peer) throw new Error(`nobody named ${name} in the default room`);
    return peer.id;
  } finally {
    socket.disconnect();
  }
}

/** Checks `read` over `ms`: a negative ("nothing arrives") needs a stretch of time to mean anything. */
async function holdsFor<T>(ms: number, read: () => Promise<T>, expected: T): Promise<void> {
  const end = Date.now() + ms;
  do {
    expect((await read()) as unknown).toEqual(expected);
    await new Promise((resolve) => setTimeout(resolve, 250));
  } while (Date.now() < end);
}

test('until Accept nothing of the callee is opened or sent, and the caller sees ringing', async () => {
  const a = await open();
  const b = await open();

  await callPeer(a.page, b.name);

  await expect(callStatus(a.page)).toHaveText(`Ringing ${b.name}…`);
  await expect(b.page.getByRole('alertdialog')).toContainText(`${a.name} is calling you.`);
  await expect(b.page.getByRole('button', { name: 'Accept' })).toBeFocused();
  // The caller opened its own camera (it chose to call); the callee opened nothing, created no
  // peer connection (so no answer), and the caller decodes no frame from it.
  expect(await captureStates(a.page)).toEqual(['live', 'live']);
  await holdsFor(2000, () => framesDecodedAnywhere(a.page), 0);
  expect(await captureStates(b.page)).toEqual([]);
  expect(await connectionStates(b.page)).toEqual([]);

  await acceptCall(b.page, a.name);
  await expectMediaBothWays(a, b);
});

test('Decline: the caller is told, and neither side keeps a camera open', async () => {
  const a = await open();
  const b = await open();
  await callPeer(a.page, b.name);
  const ring = b.page.getByRole('alertdialog');
  await expect(ring).toBeVisible();

  await ring.getByRole('button', { name: 'Decline' }).click();

  await expect(callStatus(a.page)).toHaveText(`Call ended. ${b.name} declined the call.`);
  await expect(callStatus(b.page)).toHaveText(`Call ended. You declined the call from ${a.name}.`);
  await expect(ring).toBeHidden();
  await expect.poll(() => captureStates(a.page)).toEqual(['ended', 'ended']);
  expect(await captureStates(b.page)).toEqual([]);
  await expect.poll(() => connectionStates(a.page)).toEqual(['closed']);
});

test('an unanswered call ends as missed after 30 s on both sides', async () => {
  test.setTimeout(80_000);
  const a = await open();
  const b = await open();
  await callPeer(a.page, b.name);
  await expect(b.page.getByRole('alertdialog')).toBeVisible();

  await expect(callStatus(b.page)).toHaveText(`Call ended. Missed call from ${a.name}.`, {
    timeout: 40_000,
  });
  await expect(callStatus(a.page)).toHaveText(`Call ended. ${b.name} did not answer.`);
  await expect(b.page.getByRole('alertdialog')).toBeHidden();
  expect(await captureStates(b.page)).toEqual([]);
  await expect.poll(() => captureStates(a.page)).toEqual(['ended', 'ended']);
});

test('Leave ends the call and the capture tracks', async () => {
  const a = await open();
  const b = await open();
  await callPeer(a.page, b.name);
  await acceptCall(b.page, a.name);
  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);

  await a.page.getByRole('button', { name: 'Leave' }).click();

  await expect(a.page.getByRole('textbox', { name: 'Your name' })).toBeVisible();
  await expect.poll(() => captureStates(a.page)).toEqual(['ended', 'ended']);
  await expect(callStatus(b.page)).toContainText('Call ended');
  await expect.poll(() => captureStates(b.page)).toEqual(['ended', 'ended']);
});

test('a call whose connection dies ends within the recovery bound, not "reconnecting" forever', async () => {
  test.setTimeout(90_000);
  const a = await open();
  const b = await open();
  await callPeer(a.page, b.name);
  await acceptCall(b.page, a.name);
  await expectMediaBothWays(a, b);

  // B's transport vanishes without a word (as when its network goes): A stops hearing from it.
  await b.page.evaluate(() => window.__appelTestPeerConnections?.at(-1)?.close());

  await expect(callStatus(a.page)).toHaveText(/Connection lost, reconnecting…/, {
    timeout: 30_000,
  });
  await expect(callStatus(a.page)).toHaveText(
    `Call failed: The connection to ${b.name} was lost and did not come back within 20 s.`,
    { timeout: 30_000 },
  );
  await expect.poll(() => captureStates(a.page)).toEqual(['ended', 'ended']);
  await expect(a.page.getByRole('button', { name: 'Hang up' })).toBeDisabled();
});

test('rooms wall people off, and a wrong key is refused in words', async () => {
  const key = 'k3JdZx9mQ2vL8pT4wR7yB1nC';
  const room = `${server.url}/#room=family&key=${key}`;
  const a = await openPeer(browser, room, { name: 'Ana' });
  const b = await openPeer(browser, room, { name: 'Bruno' });
  const outsider = await open({ name: 'Outsider' });
  const intruder = await openPeer(browser, `${server.url}/#room=family&key=${key}x`, {
    noJoin: true,
  });
  peers.push(a, b, intruder);

  await expect(a.page.getByRole('button', { name: 'Call Bruno' })).toBeVisible();
  await expect(outsider.page.getByRole('button', { name: /Call (Ana|Bruno)/ })).toHaveCount(0);
  await expect(a.page.getByRole('button', { name: 'Call Outsider' })).toHaveCount(0);

  await intruder.page.getByRole('textbox', { name: 'Your name' }).fill('Intruder');
  await intruder.page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(intruder.page.getByRole('alert')).toContainText('The server did not let you in');
  await expect(intruder.page.getByRole('listitem')).toHaveCount(0);
  await expect(a.page.getByRole('button', { name: 'Call Intruder' })).toHaveCount(0);
});

test('an offer from a tutorial-protocol client rings, and Accept answers it', async () => {
  const b = await open({ name: 'Callee' });
  // The tutorial's own page: socket.io's client script and plain RTCPeerConnection code, no room.
  const tutorial = await openPeer(browser, `${server.url}/socket.io/socket.io.js`, {
    noJoin: true,
  });
  peers.push(tutorial);
  // The tutorial's user types in the callee's id, learned out of band; here, from a room member.
  const calleeId = await idOf(b.name);
  await tutorial.page.addScriptTag({ url: '/socket.io/socket.io.js' });
  await tutorial.page.evaluate(async (to) => {
    type TutorialSocket = {
      on(event: string, listener: (payload: never) => void): void;
      emit(event: string, payload: unknown): void;
    };
    const io = (window as unknown as { io: () => TutorialSocket }).io;
    const socket = io();
    const pc = new RTCPeerConnection();
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    stream.getTracks().forEach((track) => pc.addTrack(track, stream));
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) socket.emit('candidate', { candidate, to });
    };
    socket.on('answer', ({ answer }: { answer: RTCSessionDescriptionInit }) => {
      void pc.setRemoteDescription(answer);
    });
    socket.on('candidate', ({ candidate }: { candidate: RTCIceCandidateInit }) => {
      void pc.addIceCandidate(candidate);
    });
    await pc.setLocalDescription(await pc.createOffer());
    socket.emit('offer', { offer: pc.localDescription, to });
  }, calleeId);

  await expect(b.page.getByRole('alertdialog')).toContainText(/Guest .* is calling you\./);
  expect(await captureStates(b.page)).toEqual([]);
  await b.page.getByRole('button', { name: 'Accept' }).click();

  await expect(callStatus(b.page)).toHaveText(/In call with Guest /);
  for (const page of [b.page, tutorial.page]) {
    await expect.poll(async () => (await inboundStats(page)).framesDecoded).toBeGreaterThan(0);
  }
});
