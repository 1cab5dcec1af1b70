/**
 * A stand-in for the desktop app's preload bridge, installed as `window.appel` by an init script,
 * so the Host/Join screens can be driven in plain Chromium. It records every call it receives and
 * decides a join the way main's SessionController does: the given fingerprint (the invite's or a
 * typed one), else the pinned one; none is `fingerprint-required`; a given one that differs from
 * the pin is `fingerprint-changed` unless `replacePin`; a pin that is not the presented
 * certificate is refused outright. Everything worded by shared code (invites, the mismatch
 * message) is computed here in Node with that code, then handed to the page.
 */
import type { Page } from '@playwright/test';
import type { HostInfo, SessionInfo, SignalingBridge } from '../../../common/bridge-api.js';
import { formatInvite } from '../../../common/invite.js';
import { mismatchMessage } from '../../../main/pinned-client.js';

/** A fake SHA-256 fingerprint, `AB:CD:…`, different for each seed. */
function fakeFingerprint(seed: number): string {
  return Array.from({ length: 32 }, (_, i) =>
    ((i * 37 + seed) % 256).toString(16).toUpperCase().padStart(2, '0'),
  ).join(':');
}

/** The certificate every stub server presents. */
export const STUB_FINGERPRINT = fakeFingerprint(11);
/** A certificate pinned earlier for {@link STUB_CHANGED_URL}, before it changed. */
export const STUB_OLD_FINGERPRINT = fakeFingerprint(200);
export const STUB_URL = 'https://10.0.0.5:8443';
/** A server trusted once with {@link STUB_OLD_FINGERPRINT}, now presenting {@link STUB_FINGERPRINT}. */
export const STUB_CHANGED_URL = 'https://10.0.0.6:8443';
export const STUB_ROOM = 'stub-room-4Qx';
/** The hosted room's keys: the first, then one per New invite. */
export const STUB_KEYS = [
  'first-key-AAAAAAAAAAAAAAAAAAAA',
  'second-key-BBBBBBBBBBBBBBBBBBB',
  'third-key-CCCCCCCCCCCCCCCCCCCC',
] as const;

/** The invite the stub host shows after `renewals` New invites. */
export function stubInvite(renewals = 0): string {
  const key = STUB_KEYS[renewals];
  if (!key) throw new Error(`the stub has no key for renewal ${renewals}`);
  return formatInvite({ url: STUB_URL, room: STUB_ROOM, key, fingerprint: STUB_FINGERPRINT });
}

export interface StubOptions {
  /** Fingerprints pinned before the page starts, by server origin. @default {} */
  pinned?: Record<string, string>;
}

declare global {
  interface Window {
    /** `[method, argument]` for every bridge method the page called. */
    __appelStubCalls?: [string, unknown][];
  }
}

interface StubConfig {
  selfId: string;
  fingerprint: string;
  hostInfo: Omit<HostInfo, 'invite'>;
  invites: string[];
  pinned: Record<string, string>;
  /** mismatchMessage(origin, fingerprint, pinned) for each pinned origin. */
  mismatches: Record<string, string>;
}

/** Runs in the page before its scripts; serialized, so it uses nothing but `config`. */
function installStub(config: StubConfig): void {
  const calls: [string, unknown][] = [];
  window.__appelStubCalls = calls;
  const pinned = new Map(Object.entries(config.pinned));
  let renewals = 0;
  const unsubscribe = (): void => undefined;
  const resolved =
    (method: string) =>
    (...args: unknown[]): Promise<void> => {
      calls.push([method, args]);
      return Promise.resolve();
    };
  const reject = (message: string): Promise<never> => Promise.reject(new Error(message));
  // Enough of parseInvite for the addresses these tests type: `host:port` means https.
  const originOf = (url: string): string =>
    new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `https://${url}`).origin;
  const hostInfo = (): HostInfo => ({ ...config.hostInfo, invite: config.invites[renewals]! });

  const stub: SignalingBridge = {
    platform: 'desktop',
    host(request) {
      calls.push(['host', request]);
      const session: SessionInfo = {
        mode: 'host',
        self: { id: config.selfId, name: request.name },
        room: config.hostInfo.room,
        url: config.hostInfo.urls[0]!,
        fingerprint: config.fingerprint,
        host: hostInfo(),
      };
      return Promise.resolve(session);
    },
    newInvite() {
      calls.push(['newInvite', undefined]);
      renewals += 1;
      if (renewals >= config.invites.length) return reject('the stub has no more keys');
      return Promise.resolve(hostInfo());
    },
    join(request) {
      calls.push(['join', request]);
      const origin = originOf(request.url);
      const given = request.fingerprint;
      const pin = pinned.get(origin);
      if (given && pin && given !== pin && !request.replacePin) {
        return reject(
          `fingerprint-changed: You trusted ${origin} with certificate SHA-256 ${pin}, but this ` +
            `invite names ${given}. Replace the pinned certificate only if the host told you it changed.`,
        );
      }
      const fingerprint = given ?? pin;
      if (!fingerprint) {
        return reject(
          `fingerprint-required: The server at ${origin} presents certificate SHA-256 ` +
            `${config.fingerprint}. Compare it with the host's before trusting it.`,
        );
      }
      if (fingerprint !== config.fingerprint) {
        return reject(config.mismatches[origin] ?? `${origin} presented another certificate`);
      }
      if (given) pinned.set(origin, given);
      const session: SessionInfo = {
        mode: 'join',
        self: { id: config.selfId, name: request.name },
        room: null,
        url: origin,
        fingerprint,
      };
      return Promise.resolve(session);
    },
    probeCertificate(target) {
      calls.push(['probeCertificate', target]);
      return Promise.resolve({
        url: originOf(target),
        fingerprint: config.fingerprint,
        subject: 'CN=Appel',
        validTo: 'Jan  1 00:00:00 2036 GMT',
      });
    },
    leave: resolved('leave'),
    sendOffer: resolved('sendOffer'),
    sendAnswer: resolved('sendAnswer'),
    sendCandidate: resolved('sendCandidate'),
    sendRinging: resolved('sendRinging'),
    sendHangUp: resolved('sendHangUp'),
    onOffer: () => unsubscribe,
    onAnswer: () => unsubscribe,
    onCandidate: () => unsubscribe,
    onRinging: () => unsubscribe,
    onHangUp: () => unsubscribe,
    onPeerList: () => unsubscribe,
    onPeerJoined: () => unsubscribe,
    onPeerLeft: () => unsubscribe,
    onConnectionStatus: () => unsubscribe,
    onNetworkChange: () => unsubscribe,
    // The call's desktop services are not what these screens test: they refuse, recorded.
    listDisplaySources: () => reject('unsupported: not in the stub'),
    chooseDisplaySource: () => reject('unsupported: not in the stub'),
    openExternal: resolved('openExternal'),
    saveFileStart: () => reject('unsupported: not in the stub'),
    saveFileChunk: () => reject('unsupported: not in the stub'),
    saveFileEnd: () => reject('unsupported: not in the stub'),
  };
  Object.defineProperty(window, 'appel', { value: stub });
}

/** Installs the stub bridge in every page of the page's context, before the page's scripts. */
export async function useStubBridge(page: Page, options: StubOptions = {}): Promise<void> {
  const pinned = options.pinned ?? {};
  const config: StubConfig = {
    selfId: 'stub-self-id',
    fingerprint: STUB_FINGERPRINT,
    hostInfo: {
      urls: [STUB_URL, 'https://127.0.0.1:8443'],
      port: 8443,
      fingerprint: STUB_FINGERPRINT,
      room: STUB_ROOM,
    },
    invites: STUB_KEYS.map((_, renewals) => stubInvite(renewals)),
    pinned,
    mismatches: Object.fromEntries(
      Object.entries(pinned).map(([origin, pin]) => [
        origin,
        mismatchMessage(origin, STUB_FINGERPRINT, pin),
      ]),
    ),
  };
  await page.context().addInitScript(installStub, config);
}

/** The bridge calls the page made so far. */
export function stubCalls(page: Page): Promise<[string, unknown][]> {
  return page.evaluate(() => window.__appelStubCalls ?? []);
}
