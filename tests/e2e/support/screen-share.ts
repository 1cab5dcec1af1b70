/**
 * What the screen-share tests and bench read of a page: the shape of the remote picture (the
 * fake camera is 4:3, Chromium's fake screen 16:9), when it changed, and which tracks the call
 * sends.
 */
import type { Page } from '@playwright/test';

/** Chromium's fake camera (640×480). */
export const CAMERA_ASPECT = 4 / 3;
/** Chromium's fake screen under --use-fake-ui-for-media-stream (1280×720). */
export const SCREEN_ASPECT = 16 / 9;

declare global {
  interface Window {
    /** Resolves with the wall-clock time of the first remote frame of the awaited shape. */
    __appelTestAspectSeen?: Promise<number>;
  }
}

/** The remote video's width / height, 0 before any frame. */
export function remoteAspect(page: Page): Promise<number> {
  return page
    .getByLabel('Remote video', { exact: true })
    .evaluate((video: HTMLVideoElement) =>
      video.videoHeight ? video.videoWidth / video.videoHeight : 0,
    );
}

/**
 * Watches each remote frame (requestVideoFrameCallback) for one of `aspect`'s shape; read the
 * time it arrived with {@link aspectSeenAt}.
 */
export function watchRemoteAspect(page: Page, aspect: number): Promise<void> {
  return page.evaluate((wanted) => {
    const video = document.getElementById('remote-video') as HTMLVideoElement;
    window.__appelTestAspectSeen = new Promise((resolve) => {
      const onFrame: VideoFrameRequestCallback = (_now, frame) => {
        if (Math.abs(frame.width / frame.height - wanted) < 0.02) resolve(Date.now());
        else video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    });
  }, aspect);
}

/** When the frame {@link watchRemoteAspect} waited for arrived (ms since the epoch). */
export function aspectSeenAt(page: Page, timeoutMs = 10_000): Promise<number> {
  return page.evaluate(async (timeout) => {
    const late = new Promise<never>((_resolve, reject) =>
      setTimeout(() => reject(new Error('no remote frame of the awaited shape')), timeout),
    );
    return Promise.race([window.__appelTestAspectSeen!, late]);
  }, timeoutMs);
}

/** The label of each track the page's last peer connection sends, by kind. */
export function sentTrackLabels(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => {
    const pc = (window.__appelTestPeerConnections ?? []).at(-1);
    const labels: Record<string, string> = {};
    for (const { track } of pc?.getSenders() ?? []) if (track) labels[track.kind] = track.label;
    return labels;
  });
}
