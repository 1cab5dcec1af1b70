/**
 * Test hooks, read from the environment only: a fresh userData per app instance, a loopback bind
 * address, and Chromium's fake camera and microphone. Production runs set none of them and the
 * security settings are the same either way.
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

/** Reads the hooks; a malformed value is an error, so a test never silently runs without it. */
export function readTestHooks(env: NodeJS.ProcessEnv): TestHooks {
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
