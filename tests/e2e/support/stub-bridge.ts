/**
 * A stand-in for the desktop app's preload bridge, installed as `window.appel` by an init script,
 * so the Host/Join screens can be driven in plain Chromium. It records every call it receives.
 */
import type { Page } from '@playwright/test';
import type { SignalingBridge } from '../../../preload/bridge-api.js';

/** The fingerprint the stub's server presents. */
export const STUB_FINGERPRINT = Array.from({ length: 32 }, (_, i) =>
  ((i * 37 + 11) % 256).toString(16).toUpperCase().padStart(2, '0'),
).join(':');
export const STUB_URL = 'https://10.0.0.5:8443';
export const STUB_SELF_ID = 'stub-self-id';
/** A server the stub has pinned earlier, which now presents another certificate. */
export const STUB_CHANGED_URL = 'https://10.0.0.6:8443';

declare global {
  interface Window {
    /** `[method, argument]` for every bridge method the page called. */
    __appelStubCalls?: [string, unknown][];
  }
}

function installStub(config: {
  fingerprint: string;
  url: string;
  changedUrl: string;
  selfId: string;
}): void {
  const calls: [string, unknown][] = [];
  window.__appelStubCalls = calls;
  const { fingerprint, url, changedUrl, selfId } = config;
  const unsubscribe = (): void => undefined;
  const resolved = (method: string) => (argument?: unknown) => {
    calls.push([method, argument]);
    return Promise.resolve();
  };
  const stub: SignalingBridge = {
    platform: 'desktop',
    host() {
      calls.push(['host', undefined]);
      return Promise.resolve({
        mode: 'host',
        selfId,
        url,
        fingerprint,
        host: {
          urls: [url, 'https://127.0.0.1:8443'],
          port: 8443,
          fingerprint,
          invite: `${url}/#fp=${fingerprint}`,
        },
      });
    },
    join(request) {
      calls.push(['join', request]);
      // The same messages main's SessionController rejects with.
      if (!request.fingerprint && request.url === changedUrl) {
        return Promise.reject(
          new Error(
            `The server at ${changedUrl} presents certificate SHA-256 ${fingerprint}, but you ` +
              'trusted 00:11:22. Refusing to connect.',
          ),
        );
      }
      if (!request.fingerprint) {
        return Promise.reject(
          new Error(
            `fingerprint-required: The server at ${request.url} presents certificate SHA-256 ` +
              `${fingerprint}. Compare it with the host's before trusting it.`,
          ),
        );
      }
      if (request.fingerprint !== fingerprint) {
        return Promise.reject(new Error('The server presented a different certificate'));
      }
      return Promise.resolve({ mode: 'join', selfId, url: request.url, fingerprint });
    },
    probeCertificate(target) {
      calls.push(['probeCertificate', target]);
      return Promise.resolve({
        url: target,
        fingerprint,
        subject: 'CN=Appel',
        validTo: 'Jan  1 00:00:00 2036 GMT',
      });
    },
    leave: resolved('leave'),
    sendOffer: resolved('sendOffer'),
    sendAnswer: resolved('sendAnswer'),
    sendCandidate: resolved('sendCandidate'),
    sendHangUp: resolved('sendHangUp'),
    onOffer: () => unsubscribe,
    onAnswer: () => unsubscribe,
    onCandidate: () => unsubscribe,
    onHangUp: () => unsubscribe,
    onPeerList: () => unsubscribe,
    onPeerJoined: () => unsubscribe,
    onPeerLeft: () => unsubscribe,
    onConnectionStatus: () => unsubscribe,
  };
  Object.defineProperty(window, 'appel', { value: stub });
}

/** Installs the stub bridge in every page of the page's context, before the page's scripts. */
export async function useStubBridge(page: Page): Promise<void> {
  await page.context().addInitScript(installStub, {
    fingerprint: STUB_FINGERPRINT,
    url: STUB_URL,
    changedUrl: STUB_CHANGED_URL,
    selfId: STUB_SELF_ID,
  });
}

/** The bridge calls the page made so far. */
export function stubCalls(page: Page): Promise<[string, unknown][]> {
  return page.evaluate(() => window.__appelStubCalls ?? []);
}
