/**
 * How the browser tests start Chromium: which binary, and the flags that keep WebRTC on loopback
 * with a fake camera and microphone and stop Chromium's own background traffic.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

/**
 * The Chromium to drive: $APPEL_CHROMIUM, else Playwright's own build when installed
 * (`npx playwright install chromium`), else the distribution's.
 */
export function chromiumExecutable(): string {
  const candidates = [
    process.env.APPEL_CHROMIUM,
    playwrightChromium(),
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ];
  const found = candidates.find((path): path is string => !!path && existsSync(path));
  if (!found) {
    throw new Error(
      "No Chromium found: run `npx playwright install chromium`, install your distribution's " +
        'chromium package, or set APPEL_CHROMIUM to a Chromium binary.',
    );
  }
  return found;
}

function playwrightChromium(): string | undefined {
  try {
    return chromium.executablePath();
  } catch {
    // Playwright throws when its browser registry knows no build for this platform.
    return undefined;
  }
}

/** SPKI hash Chromium accepts in --ignore-certificate-errors-spki-list to trust one certificate. */
export function spkiHash(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

export interface ChromiumArgsOptions {
  /** The one certificate to trust (by its public key), as the signaling server's. */
  trustCertPem?: string;
  /**
   * Let WebRTC use loopback addresses, as tests on 127.0.0.1 need. Off for tests on a network of
   * their own (netns.ts), where candidates are real interface addresses. @default true
   */
  loopback?: boolean;
  /**
   * How many fake cameras, microphones and speakers Chromium lists, for tests that switch
   * devices (3 gives fake_device_0..2, "Fake Audio Input 1/2", "Fake Audio Output 1/2").
   * @default Chromium's own: one of each
   */
  fakeDeviceCount?: number;
}

/** Launch flags: fake media, loopback WebRTC, no background network, one trusted certificate. */
export function chromiumArgs(options: ChromiumArgsOptions = {}): string[] {
  const args = [
    options.fakeDeviceCount === undefined
      ? '--use-fake-device-for-media-stream'
      : `--use-fake-device-for-media-stream=device-count=${options.fakeDeviceCount}`,
    '--use-fake-ui-for-media-stream',
    ...(options.loopback === false ? [] : ['--allow-loopback-in-peer-connection']),
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--component-updater=url-source=data:,',
    '--autofill-server-url=data:,',
    '--disable-sync',
    '--no-first-run',
    '--disable-gpu',
    '--disable-quic',
    // Background tabs would otherwise throttle timers and video decoding in a two-page test.
    '--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
  ];
  if (options.trustCertPem) {
    args.push(`--ignore-certificate-errors-spki-list=${spkiHash(options.trustCertPem)}`);
  }
  return args;
}
