/**
 * Baseline: the original tutorial's call flow, in plain page code, against the same appel-signal
 * (default room, no handshake auth). On the "click" (a `performance.now()` in the caller's page)
 * the caller opens its camera, creates its RTCPeerConnection, adds tracks, creates and sends the
 * offer; the callee, on the offer, opens its camera, creates its RTCPeerConnection and answers at
 * once; trickle ICE both ways through the socket.io relay. Measured: click → the first remote
 * video frame each side presents (`requestVideoFrameCallback`'s `metadata.presentationTime` on a
 * `<video>` the page creates; clocks joined by `timeOrigin`).
 *
 * Standalone: `sh scripts/private-net.sh npx tsx bench/tutorial-flow.ts` (after `npm run build`).
 */
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from '@playwright/test';
import { startAppelSignal } from '../tests/support/appel-signal.js';
import { chromiumExecutable } from '../tests/support/chromium.js';
import {
  benchChromiumArgs,
  distribution,
  KEEP_NAMES_SHIM,
  round,
  type Distribution,
} from './call-setup.js';

export interface TutorialFlowResult {
  calls: number;
  /** Click → the caller's first remote frame. */
  callerFirstFrame: Distribution;
  /** Click → the callee's first remote frame. */
  calleeFirstFrame: Distribution;
}

const STEP_TIMEOUT_MS = 20_000;

interface TutorialState {
  id: string;
  /** Starts a call to `to`; resolves with the click time (wall clock). */
  call(to: string): Promise<number>;
  /** Resolves with the wall-clock presentation time of the current call's first remote frame. */
  firstFrame: Promise<number> | null;
  hangUp(): void;
}

declare global {
  interface Window {
    __tutorial?: TutorialState;
  }
}

/** Opens the tutorial's page: socket.io's client script and plain RTCPeerConnection code. */
async function openTutorial(page: Page, url: string): Promise<string> {
  await page.goto(`${url}/socket.io/socket.io.js`);
  await page.evaluate(KEEP_NAMES_SHIM);
  await page.addScriptTag({ url: '/socket.io/socket.io.js' });
  return page.evaluate(async (timeoutMs) => {
    type TutorialSocket = {
      on(event: string, listener: (payload: never) => void): void;
      emit(event: string, payload: unknown): void;
    };
    const io = (window as unknown as { io: () => TutorialSocket }).io;
    const socket = io();
    let pc: RTCPeerConnection | null = null;
    let stream: MediaStream | null = null;
    let peer = '';
    let pending: RTCIceCandidateInit[] = [];
    let frameResolve: (time: number) => void = () => undefined;
    const state: TutorialState = {
      id: '',
      call: () => Promise.resolve(0),
      firstFrame: null,
      hangUp: () => {},
    };

    const armFirstFrame = (): void => {
      state.firstFrame = new Promise((resolve) => (frameResolve = resolve));
    };
    /** The tutorial's createPeerConnection: camera, connection, tracks, remote video. */
    const createPeerConnection = async (to: string): Promise<RTCPeerConnection> => {
      peer = to;
      stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      const connection = new RTCPeerConnection();
      stream.getTracks().forEach((track) => connection.addTrack(track, stream!));
      connection.onicecandidate = ({ candidate }) => {
        if (candidate) socket.emit('candidate', { candidate, to: peer });
      };
      const video = document.createElement('video');
      video.autoplay = true;
      video.muted = true;
      video.playsInline = true;
      document.body.append(video);
      video.requestVideoFrameCallback((_now, metadata) =>
        frameResolve(performance.timeOrigin + metadata.presentationTime),
      );
      connection.ontrack = ({ streams }) => {
        if (streams[0] && video.srcObject !== streams[0]) video.srcObject = streams[0];
      };
      return connection;
    };

    socket.on('offer', ({ offer, from }: { offer: RTCSessionDescriptionInit; from: string }) => {
      void (async () => {
        const connection = await createPeerConnection(from);
        await connection.setRemoteDescription(offer);
        // Candidates need the remote description: add those that came before it.
        pc = connection;
        for (const candidate of pending) void connection.addIceCandidate(candidate);
        pending = [];
        await connection.setLocalDescription(await connection.createAnswer());
        socket.emit('answer', { answer: connection.localDescription, to: from });
      })();
    });
    socket.on('answer', ({ answer }: { answer: RTCSessionDescriptionInit }) => {
      void pc?.setRemoteDescription(answer);
    });
    socket.on('candidate', ({ candidate }: { candidate: RTCIceCandidateInit }) => {
      // The callee's connection exists once its camera is open and it took the offer: keep what
      // arrives before.
      if (pc) void pc.addIceCandidate(candidate);
      else pending.push(candidate);
    });

    state.call = async (to) => {
      const clicked = performance.timeOrigin + performance.now();
      const connection = await createPeerConnection(to);
      pc = connection;
      await connection.setLocalDescription(await connection.createOffer());
      socket.emit('offer', { offer: connection.localDescription, to });
      return clicked;
    };
    state.hangUp = () => {
      pc?.close();
      pc = null;
      stream?.getTracks().forEach((track) => track.stop());
      stream = null;
      pending = [];
      document.querySelectorAll('video').forEach((video) => video.remove());
      armFirstFrame();
    };
    armFirstFrame();
    window.__tutorial = state;

    state.id = await new Promise<string>((resolve, reject) => {
      setTimeout(() => reject(new Error('no newUser')), timeoutMs);
      socket.on('newUser', (id: string) => resolve(id));
    });
    return state.id;
  }, STEP_TIMEOUT_MS);
}

function firstFrame(page: Page): Promise<number> {
  return page.evaluate(async (timeoutMs) => {
    const timeout = new Promise<never>((_resolve, reject) =>
      setTimeout(() => reject(new Error('no remote video frame')), timeoutMs),
    );
    return Promise.race([window.__tutorial!.firstFrame!, timeout]);
  }, STEP_TIMEOUT_MS);
}

export async function benchTutorialFlow(
  options: { calls?: number } = {},
): Promise<TutorialFlowResult> {
  const calls = options.calls ?? 20;
  const server = await startAppelSignal();
  const browser = await chromium.launch({
    executablePath: chromiumExecutable(),
    args: benchChromiumArgs({ trustCertPem: server.certPem }),
  });
  try {
    const open = async (): Promise<Page> => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
      return context.newPage();
    };
    const caller = await open();
    const callee = await open();
    await openTutorial(caller, server.url);
    // The callee's id, as the tutorial's user would type it in: learned out of band.
    const calleeId = await openTutorial(callee, server.url);

    const callerFrames: number[] = [];
    const calleeFrames: number[] = [];
    for (let i = 0; i < calls; i += 1) {
      const clicked = await caller.evaluate((to) => window.__tutorial!.call(to), calleeId);
      const [callerFrame, calleeFrame] = await Promise.all([
        firstFrame(caller),
        firstFrame(callee),
      ]);
      callerFrames.push(round(callerFrame - clicked));
      calleeFrames.push(round(calleeFrame - clicked));
      for (const page of [caller, callee]) await page.evaluate(() => window.__tutorial!.hangUp());
    }
    return {
      calls,
      callerFirstFrame: distribution(callerFrames),
      calleeFirstFrame: distribution(calleeFrames),
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchTutorialFlow(), null, 2));
}
