/**
 * Helpers for the device tests: what a page sends and shows of its camera and microphone, the
 * offers it sends over its signaling WebSocket, and the times the remote video presents frames.
 */
import type { Page } from '@playwright/test';

declare global {
  interface Window {
    /** `now` of each frame the remote video presented, from requestVideoFrameCallback. */
    __appelTestFrameTimes?: number[];
    /** Device ids the test's enumerateDevices hides, as if they were unplugged. */
    __appelTestUnplugged?: Set<string>;
  }
}

/** A Socket.IO event packet carrying `offer` (engine.io message 4, socket.io EVENT 2, ack id). */
const OFFER_PACKET = /^42\d*\["offer"/;

/**
 * Counts the `offer` events the page sends on its signaling WebSockets, as they go on the wire.
 * Call it before the page joins (the socket opens then).
 */
export function watchOffers(page: Page): () => number {
  let offers = 0;
  page.on('websocket', (socket) => {
    socket.on('framesent', ({ payload }) => {
      if (typeof payload === 'string' && OFFER_PACKET.test(payload)) offers += 1;
    });
  });
  return () => offers;
}

export interface TrackFacts {
  label: string;
  deviceId: string;
  readyState: MediaStreamTrackState;
  enabled: boolean;
}

/** The track of `kind` the page's last peer connection sends, or `null`. */
export function sentTrack(page: Page, kind: 'audio' | 'video'): Promise<TrackFacts | null> {
  return page.evaluate((kind) => {
    const pc = (window.__appelTestPeerConnections ?? []).at(-1);
    const track = pc?.getSenders().find((sender) => sender.track?.kind === kind)?.track;
    if (!track) return null;
    const { label, readyState, enabled } = track;
    return { label, readyState, enabled, deviceId: track.getSettings().deviceId ?? '' };
  }, kind);
}

/** The track of `kind` shown in the video element labelled `label`, or `null`. */
export function shownTrack(
  page: Page,
  label: string,
  kind: 'audio' | 'video',
): Promise<TrackFacts | null> {
  return page.getByLabel(label, { exact: true }).evaluate((video, kind) => {
    const stream = (video as HTMLVideoElement).srcObject;
    if (!(stream instanceof MediaStream)) return null;
    const track = stream.getTracks().find((each) => each.kind === kind);
    if (!track) return null;
    const { label, readyState, enabled } = track;
    return { label, readyState, enabled, deviceId: track.getSettings().deviceId ?? '' };
  }, kind);
}

/** The id of the device the browser lists with `label`. */
export function deviceIdOf(page: Page, kind: MediaDeviceKind, label: string): Promise<string> {
  return page.evaluate(
    async ({ kind, label }) => {
      const devices = await navigator.mediaDevices.enumerateDevices();
      const device = devices.find((each) => each.kind === kind && each.label === label);
      if (!device) throw new Error(`no ${kind} named ${label}`);
      return device.deviceId;
    },
    { kind, label },
  );
}

/** Starts noting the time of every frame the remote video presents. */
export function startFrameLog(page: Page): Promise<void> {
  return page.getByLabel('Remote video', { exact: true }).evaluate((element) => {
    const video = element as HTMLVideoElement;
    const times: number[] = [];
    window.__appelTestFrameTimes = times;
    const note = (now: number): void => {
      times.push(now);
      video.requestVideoFrameCallback(note);
    };
    video.requestVideoFrameCallback(note);
  });
}

/** The frame times noted so far. */
export function frameLog(page: Page): Promise<number[]> {
  return page.evaluate(() => [...(window.__appelTestFrameTimes ?? [])]);
}

/** The longest time between two presented frames, in ms. */
export function longestGap(times: readonly number[]): number {
  let longest = 0;
  for (let i = 1; i < times.length; i += 1) longest = Math.max(longest, times[i]! - times[i - 1]!);
  return longest;
}

/** inbound-rtp audio `totalAudioEnergy` of the page's last peer connection: sound, not silence. */
export function receivedAudioEnergy(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const pc = (window.__appelTestPeerConnections ?? []).at(-1);
    let energy = 0;
    (await pc?.getStats())?.forEach(
      (stat: { type: string; kind?: string } & Record<string, unknown>) => {
        if (stat.type === 'inbound-rtp' && stat.kind === 'audio') {
          energy += Number(stat.totalAudioEnergy ?? 0);
        }
      },
    );
    return energy;
  });
}

/**
 * Test hook, in the test only (an init script): enumerateDevices leaves out the ids in
 * `window.__appelTestUnplugged`, so that a test can "unplug" a fake device and fire
 * `devicechange` as the browser does when a real one goes.
 */
export function unpluggableDevices(): void {
  const unplugged = new Set<string>();
  window.__appelTestUnplugged = unplugged;
  const list = navigator.mediaDevices.enumerateDevices.bind(navigator.mediaDevices);
  navigator.mediaDevices.enumerateDevices = async () =>
    (await list()).filter((device) => !unplugged.has(device.deviceId));
}

/** Unplugs the device `deviceId` (see {@link unpluggableDevices}). */
export function unplug(page: Page, deviceId: string): Promise<void> {
  return page.evaluate((deviceId) => {
    window.__appelTestUnplugged?.add(deviceId);
    navigator.mediaDevices.dispatchEvent(new Event('devicechange'));
  }, deviceId);
}
