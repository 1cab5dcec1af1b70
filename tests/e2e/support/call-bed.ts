/**
 * What most browser specs start once per file: the real appel-signal serving the built page, and
 * a Chromium with fake media that trusts exactly its certificate.
 */
import { chromium, type Browser } from '@playwright/test';
import { startAppelSignal, type AppelSignal } from '../../support/appel-signal.js';
import {
  chromiumArgs,
  chromiumExecutable,
  type ChromiumArgsOptions,
} from '../../support/chromium.js';

export interface CallBed {
  server: AppelSignal;
  browser: Browser;
}

/** Starts appel-signal, then Chromium trusting its certificate (and `options`' flags). */
export async function startCallBed(
  options: Omit<ChromiumArgsOptions, 'trustCertPem'> = {},
): Promise<CallBed> {
  const server = await startAppelSignal();
  const browser = await chromium.launch({
    executablePath: chromiumExecutable(),
    args: chromiumArgs({ ...options, trustCertPem: server.certPem }),
  });
  return { server, browser };
}

/** Closes what {@link startCallBed} started; either may be missing after a failed start. */
export async function stopCallBed(server?: AppelSignal, browser?: Browser): Promise<void> {
  await browser?.close();
  await server?.stop();
}
