/**
 * Test hooks, read from the environment only and only in an unpackaged app: a fresh userData per
 * app instance, a loopback bind address, and Chromium's fake camera and microphone. An installed
 * Appel ignores them all, and the security settings are the same either way.
 */
import { isIP } from 'node:net';
import { isAbsolute } from 'node:path';

export interface TestHooks {
  /** `APPEL_USER_DATA`: an absolute directory used as userData. */
  userDataDir?: string;
  /** `APPEL_BIND_HOST`: the embedded server's address instead of the settings' one. */
  bindHost?: string;
  /** `APPEL_TEST_FAKE_MEDIA=1`: fake capture devices, WebRTC over loopback. */
  fakeMedia: boolean;
}

/** Chromium switches `APPEL_TEST_FAKE_MEDIA=1` adds. */
export const FAKE_MEDIA_SWITCHES = [
  'use-fake-device-for-media-stream',
  'allow-loopback-in-peer-connection',
] as const;

/** What a packaged app gets, whatever its environment says. */
const NO_HOOKS: TestHooks = { fakeMedia: false };

/**
 * Reads the hooks (`packaged` is `app.isPackaged`: all off when true). A malformed value is an
 * error, so a test never silently runs without it.
 */
export function readTestHooks(env: NodeJS.ProcessEnv, packaged: boolean): TestHooks {
  if (packaged) return { ...NO_HOOKS };
  const hooks: TestHooks = { fakeMedia: env.APPEL_TEST_FAKE_MEDIA === '1' };
  const userData = env.APPEL_USER_DATA;
  if (userData) {
    if (!isAbsolute(userData)) throw new Error(`APPEL_USER_DATA must be absolute: ${userData}`);
    hooks.userDataDir = userData;
  }
  const bindHost = env.APPEL_BIND_HOST;
  if (bindHost) {
    if (isIP(bindHost) === 0) throw new Error(`APPEL_BIND_HOST must be an IP address: ${bindHost}`);
    hooks.bindHost = bindHost;
  }
  return hooks;
}
