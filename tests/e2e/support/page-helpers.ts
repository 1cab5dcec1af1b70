/**
 * Helpers for the browser tests of the call page: open a peer in its own browser context, read
 * what the page shows, and read WebRTC stats from the peer connections the page created.
 */
import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';

declare global {
  interface Window {
    /** Every RTCPeerConnection the page created, captured by the test's init script. */
    __appelTestPeerConnections?: RTCPeerConnection[];
    /** How many offers the page's peer connections created. */
    __appelTestOffers?: number;
    /** Content-Security-Policy violations the page reported. */
    __appelTestCspViolations?: string[];
    /** Every track getUserMedia gave the page, to check that capture ends. */
    __appelTestCaptureTracks?: MediaStreamTrack[];
    /** Holds and releases the page's outgoing WebSocket messages (order kept). */
    __appelTestSignaling?: { flowing: boolean; hold(): void; release(): void };
  }
}

export interface PeerPageOptions {
  /** Make getUserMedia reject with NotAllowedError, as when the user denies permission. */
  denyMedia?: boolean;
  /** Make every getUserMedia that asks for video reject with NotFoundError: no camera. */
  noCamera?: boolean;
  /**
   * Let the test hold the page's outgoing signaling (see {@link holdSignaling}), as a slow
   * network would: two offers held at once are sure to cross.
   */
  holdableSignaling?: boolean;
  /** The display name to join with. @default a fresh `Peer <n>` */
  name?: string;
  /** Open the page without joining (the test joins, or expects a refusal). */
  noJoin?: boolean;
}

export interface PeerPage {
  context: BrowserContext;
  page: Page;
  /** The display name the page joined with; the others' Call buttons carry it. */
  name: string;
}

/** Wraps RTCPeerConnection so the test can reach the instances without hooks in the app. */
function captureInit(options: PeerPageOptions): void {
  const violations: string[] = [];
  window.__appelTestCspViolations = violations;
  document.addEventListener('securitypolicyviolation', (event) =>
    violations.push(`${event.effectiveDirective} ${event.blockedURI}`),
  );

  const Native = window.RTCPeerConnection;
  const created: RTCPeerConnection[] = [];
  window.__appelTestPeerConnections = created;
  window.__appelTestOffers = 0;
  class Captured extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      created.push(this);
    }

    override setLocalDescription(description?: RTCLocalSessionDescriptionInit): Promise<void> {
      const makesOffer = this.signalingState === 'stable' && description === undefined;
      if (makesOffer || description?.type === 'offer') window.__appelTestOffers! += 1;
      return description === undefined
        ? super.setLocalDescription()
        : super.setLocalDescription(description);
    }
  }
  window.RTCPeerConnection = Captured;

  const captured: MediaStreamTrack[] = [];
  window.__appelTestCaptureTracks = captured;
  const capture = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await capture(constraints);
    captured.push(...stream.getTracks());
    return stream;
  };

  if (options.noCamera) {
    const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (constraints) =>
      constraints?.video
        ? Promise.reject(new DOMException('Requested device not found', 'NotFoundError'))
        : getUserMedia(constraints);
  }
  if (options.denyMedia) {
    navigator.mediaDevices.getUserMedia = () =>
      Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  }

  if (options.holdableSignaling) {
    const send = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'send')!
      .value as WebSocket['send'];
    const held: [WebSocket, Parameters<WebSocket['send']>[0]][] = [];
    let holding = false;
    const gate = {
      // The page's signaling goes over a WebSocket only; once it sent anything, it flows there.
      flowing: false,
      hold: () => {
        holding = true;
      },
      release: () => {
        holding = false;
        for (const [socket, data] of held.splice(0)) {
          if (socket.readyState === WebSocket.OPEN) send.call(socket, data);
        }
      },
    };
    window.__appelTestSignaling = gate;
    WebSocket.prototype.send = function (this: WebSocket, data) {
      gate.flowing = true;
      if (holding) held.push([this, data]);
      else send.call(this, data);
    };
  }
}

/** Opens the call page in a fresh context and waits until it has joined the server. */
export async function openPeer(
  browser: Browser,
  url: string,
  options: PeerPageOptions = {},
): Promise<PeerPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  await context.addInitScript(captureInit, options);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  await page.goto(url);
  const name = options.name ?? `Peer ${(peerCount += 1)}`;
  if (!options.noJoin) await joinAs(page, name);
  return { context, page, name };
}

let peerCount = 0;

/** Types a name and clicks Join, then waits until the page is in the room. */
export async function joinAs(page: Page, name: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Your name' }).fill(name);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(page.locator('#self-name')).toHaveText(name);
}

/** Clicks "Call <name>" in the room's list. */
export async function callPeer(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: `Call ${name}`, exact: true }).click();
}

/** Waits for the ring and clicks Accept. */
export async function acceptCall(page: Page, from: string): Promise<void> {
  const ring = page.getByRole('alertdialog');
  await expect(ring).toContainText(`${from} is calling you.`);
  await ring.getByRole('button', { name: 'Accept' }).click();
}

/** `readyState` of every capture track the page opened, in order. */
export function captureStates(page: Page): Promise<MediaStreamTrackState[]> {
  return page.evaluate(() => (window.__appelTestCaptureTracks ?? []).map((t) => t.readyState));
}

/** The call status line ("In call with …", "Call ended…"). */
export function callStatus(page: Page) {
  return page.getByRole('status', { name: 'Call status' });
}

export interface InboundStats {
  /** inbound-rtp video `framesDecoded`, summed over the page's connected peer connections. */
  framesDecoded: number;
  /** inbound-rtp audio `packetsReceived`, summed likewise. */
  audioPacketsReceived: number;
}

/** Reads inbound-rtp numbers from the page's connected peer connections. */
export function inboundStats(page: Page): Promise<InboundStats> {
  return page.evaluate(async () => {
    const totals = { framesDecoded: 0, audioPacketsReceived: 0 };
    const pcs = window.__appelTestPeerConnections ?? [];
    for (const pc of pcs.filter((p) => p.connectionState === 'connected')) {
      const report = await pc.getStats();
      report.forEach((stat: { type: string; kind?: string } & Record<string, unknown>) => {
        if (stat.type !== 'inbound-rtp') return;
        if (stat.kind === 'video') totals.framesDecoded += Number(stat.framesDecoded ?? 0);
        if (stat.kind === 'audio') totals.audioPacketsReceived += Number(stat.packetsReceived ?? 0);
      });
    }
    return totals;
  });
}

/** `connectionState` of every peer connection the page created, in creation order. */
export function connectionStates(page: Page): Promise<RTCPeerConnectionState[]> {
  return page.evaluate(() =>
    (window.__appelTestPeerConnections ?? []).map((pc) => pc.connectionState),
  );
}

/** How many offers the page created. */
export function offersMade(page: Page): Promise<number> {
  return page.evaluate(() => window.__appelTestOffers ?? 0);
}

/** The intrinsic width of a video element, 0 until a frame arrived. */
export function videoWidth(page: Page, label: 'Remote video' | 'Your camera'): Promise<number> {
  return page
    .getByLabel(label, { exact: true })
    .evaluate((video) => (video as HTMLVideoElement).videoWidth);
}

/** `enabled` of each track the page's last peer connection sends, by kind. */
export function sentTracksEnabled(page: Page): Promise<Record<string, boolean>> {
  return page.evaluate(() => {
    const pc = (window.__appelTestPeerConnections ?? []).at(-1);
    const enabled: Record<string, boolean> = {};
    for (const { track } of pc?.getSenders() ?? []) if (track) enabled[track.kind] = track.enabled;
    return enabled;
  });
}

/** The Content-Security-Policy violations the page reported so far. */
export function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => window.__appelTestCspViolations ?? []);
}

/** The ICE username fragment of the page's current local description, and its signaling state. */
export function localIce(page: Page): Promise<{ ufrag: string | null; signaling: string }> {
  return page.evaluate(() => {
    const pc = (window.__appelTestPeerConnections ?? []).at(-1);
    const ufrag = /a=ice-ufrag:(\S+)/.exec(pc?.localDescription?.sdp ?? '')?.[1] ?? null;
    return { ufrag, signaling: pc?.signalingState ?? 'none' };
  });
}

/** Asks the page's last peer connection for an ICE restart, as the engine does on 'failed'. */
export function restartIce(page: Page): Promise<void> {
  return page.evaluate(() => (window.__appelTestPeerConnections ?? []).at(-1)?.restartIce());
}

/** Holds the page's outgoing signaling once it flows over the WebSocket. */
export async function holdSignaling(page: Page): Promise<void> {
  await expect
    .poll(() => page.evaluate(() => window.__appelTestSignaling?.flowing), {
      message: 'signaling flows over the WebSocket',
    })
    .toBe(true);
  await page.evaluate(() => window.__appelTestSignaling!.hold());
}

/** Sends everything held, in order, and lets further messages through. */
export function releaseSignaling(page: Page): Promise<void> {
  return page.evaluate(() => window.__appelTestSignaling!.release());
}

/**
 * Test hook, in the test only (an init script): every RTCPeerConnection the page makes gathers
 * relay candidates only, so nothing but the TURN server can carry the call.
 */
export function forceRelayOnly(): void {
  const Base = window.RTCPeerConnection;
  class RelayOnly extends Base {
    constructor(configuration: RTCConfiguration = {}) {
      super({ ...configuration, iceTransportPolicy: 'relay' });
    }
  }
  window.RTCPeerConnection = RelayOnly;
}

/** Every inbound video frame the page decoded, whatever state its peer connections are in. */
export function framesDecodedAnywhere(page: Page): Promise<number> {
  return page.evaluate(async () => {
    let frames = 0;
    for (const pc of window.__appelTestPeerConnections ?? []) {
      (await pc.getStats()).forEach(
        (stat: { type: string; kind?: string } & Record<string, unknown>) => {
          if (stat.type === 'inbound-rtp' && stat.kind === 'video') {
            frames += Number(stat.framesDecoded ?? 0);
          }
        },
      );
    }
    return frames;
  });
}
