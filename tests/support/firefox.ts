/**
 * How the browser tests start Firefox: Debian's firefox-esr driven over WebDriver BiDi with
 * puppeteer-core (Playwright's Firefox is a patched build that cannot be downloaded here), with a
 * fake camera and microphone, WebRTC on loopback and none of Firefox's own background traffic.
 */
import { existsSync } from 'node:fs';
import puppeteer, {
  type Browser,
  type BrowserContext,
  type Page,
  type Viewport,
} from 'puppeteer-core';

/**
 * The Firefox to drive: $APPEL_FIREFOX, else the distribution's ESR, else its rapid-release build.
 */
export function firefoxExecutable(): string {
  const candidates = [process.env.APPEL_FIREFOX, '/usr/bin/firefox-esr', '/usr/bin/firefox'];
  const found = candidates.find((path): path is string => !!path && existsSync(path));
  if (!found) {
    throw new Error(
      "No Firefox found: install your distribution's firefox-esr (or firefox) package, or set " +
        'APPEL_FIREFOX to a Firefox binary.',
    );
  }
  return found;
}

/**
 * Preferences written to the profile's user.js, over the defaults puppeteer-core already writes
 * (which quiet much of the same traffic; these are stated here so that nothing depends on them).
 * Firefox's remote agent applies similar "recommended" prefs, but only once it starts, after some
 * services may have begun: user.js is read before anything runs.
 */
export const FIREFOX_PREFS: Readonly<Record<string, string | number | boolean>> = {
  // --- Media: a fake camera and microphone, granted without a prompt ---
  // A synthetic video pattern and tone instead of real devices (none exist in CI).
  'media.navigator.streams.fake': true,
  // No permission prompt: headless Firefox has nobody to click it.
  'media.navigator.permission.disabled': true,
  // Treat the fake devices as granted: without it Firefox considers no device permission given
  // and gathers no loopback ICE candidate, so the call never connects.
  'media.navigator.permission.fake': true,
  // --- WebRTC: loopback only ---
  // Firefox skips 127.0.0.1 when gathering ICE candidates unless told to; the private network
  // namespace holds nothing else.
  'media.peerconnection.ice.loopback': true,
  // Host candidates hidden behind mDNS names would need multicast, which loopback lacks; a
  // receive-only peer (no getUserMedia grant) would otherwise offer only those.
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  // The remote <video> has sound; let it play without a user gesture, as the fake UI does in
  // Chromium, so what the page shows does not depend on the autoplay policy.
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  // Would download OpenH264/Widevine; VP8 needs no plugin.
  'media.gmp-manager.updateEnabled': false,
  'media.gmp-manager.url': 'data:,',
  'media.gmp-gmpopenh264.enabled': false,
  'media.gmp-widevinecdm.enabled': false,

  // --- No background network traffic (the test must not depend on, or wait for, the Internet) ---
  // Updates (Debian locks app.update.enabled off; the others cover non-Debian builds).
  'app.update.enabled': false,
  'app.update.auto': false,
  'app.update.disabledForTesting': true,
  'app.update.checkInstallTime': false,
  // Telemetry, health report, usage pings.
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.archive.enabled': false,
  'toolkit.telemetry.server': 'data:,',
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.usage.uploadEnabled': false,
  'browser.crashReports.unsubmittedCheck.enabled': false,
  // Studies and experiments (Normandy, Shield, Nimbus rollouts).
  'app.normandy.enabled': false,
  'app.normandy.api_url': '',
  'app.shield.optoutstudies.enabled': false,
  'nimbus.rollouts.enabled': false,
  // Remote settings (blocklists, CRLite, Nimbus recipes…). Release/ESR builds honour this
  // override only with MOZ_DISABLE_NONLOCAL_CONNECTIONS=1 (set by launchFirefox), and skip the
  // syncs altogether for this exact value in automation; otherwise they poll
  // firefox.settings.services.mozilla.com.
  'services.settings.server': 'data:,#remote-settings-dummy/v1',
  'extensions.blocklist.enabled': false,
  'security.remote_settings.crlite_filters.enabled': false,
  'security.remote_settings.intermediates.enabled': false,
  // Certificate revocation checks would contact OCSP responders.
  'security.OCSP.enabled': 0,
  // Safe Browsing list downloads and lookups.
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.downloads.remote.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'browser.safebrowsing.provider.google4.updateURL': '',
  'browser.safebrowsing.provider.google.updateURL': '',
  // Captive portal and connectivity probes (detectportal.firefox.com).
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  // DNS over HTTPS off by choice: no resolver probe, no confirmation queries.
  'network.trr.mode': 5,
  // Speculative connections and prefetching.
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.predictor.enabled': false,
  'network.http.speculative-parallel-limit': 0,
  'browser.urlbar.speculativeConnect.enabled': false,
  'browser.places.speculativeConnect.enabled': false,
  // Region and geolocation lookups.
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  'geo.provider.network.url': '',
  // Web Push keeps a WebSocket to Mozilla's push service open.
  'dom.push.enabled': false,
  'dom.push.connection.enabled': false,
  // Add-on updates and discovery.
  'extensions.update.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.getAddons.discovery.api_url': 'data:,',
  // Search engine updates, new-tab content, accounts, ML and translation model downloads.
  'browser.search.update': false,
  'browser.newtabpage.enabled': false,
  'browser.topsites.contile.enabled': false,
  'identity.fxaccounts.enabled': false,
  'browser.ml.enable': false,
  'browser.translations.enable': false,
  // Time sync pool lookups.
  'network.sntp.pools': '',

  // --- Quiet, predictable startup ---
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.page': 0,
  'browser.startup.homepage_override.mstone': 'ignore',
  'datareporting.policy.dataSubmissionPolicyBypassNotification': true,
  'browser.aboutwelcome.enabled': false,
  // Background pages must keep decoding video: a two-peer test has no foreground to speak of.
  'dom.min_background_timeout_value': 4,
  'media.suspend-background-video.enabled': false,
};

export interface LaunchFirefoxOptions {
  /** Default: {@link firefoxExecutable}. */
  executablePath?: string;
  /** Extra preferences, over {@link FIREFOX_PREFS}. */
  prefs?: Record<string, string | number | boolean>;
  /** Extra command-line arguments. */
  args?: string[];
  /** Default `true`; set `false` (or `APPEL_FIREFOX_HEADFUL=1`) to watch a test locally. */
  headless?: boolean;
  /** Pipe Firefox's stdout/stderr to this process (also `APPEL_FIREFOX_DUMPIO=1`). */
  dumpio?: boolean;
  /** How long to wait for Firefox to start. @default 30000 */
  timeoutMs?: number;
  /** Extra environment variables for Firefox (merged over this process's environment). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts Firefox headless over WebDriver BiDi in a fresh temporary profile, which puppeteer-core
 * creates (mkdtemp in the OS temp dir), fills with the prefs, and removes once Firefox exited —
 * `browser.close()` resolves only after that. Self-signed certificates are accepted (the test
 * servers make their own): with `acceptInsecureCerts` the remote agent overrides certificate
 * errors for the whole session, including WebSockets.
 */
export async function launchFirefox(options: LaunchFirefoxOptions = {}): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: options.executablePath ?? firefoxExecutable(),
    headless: options.headless ?? process.env.APPEL_FIREFOX_HEADFUL !== '1',
    acceptInsecureCerts: true,
    extraPrefsFirefox: { ...FIREFOX_PREFS, ...options.prefs },
    args: options.args ?? [],
    dumpio: options.dumpio ?? process.env.APPEL_FIREFOX_DUMPIO === '1',
    timeout: options.timeoutMs ?? 30_000,
    // Same size as the Chromium pages (openPeer), so layouts and screenshots compare.
    defaultViewport: { width: 1280, height: 720 },
    // Leave signals to the test runner: puppeteer's handlers would exit on SIGINT before teardown
    // and, by listening, stop SIGTERM from ending the worker. Firefox (its own process group)
    // still dies with the worker: puppeteer kills it on the process's 'exit' event.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    env: {
      ...process.env,
      // A crash must fail the test, not start the crash reporter (which would try to submit).
      MOZ_CRASHREPORTER_DISABLE: '1',
      // Gecko's test-harness switch: any socket to a non-loopback address is refused, whatever a
      // pref missed, and the remote-settings override above takes effect.
      MOZ_DISABLE_NONLOCAL_CONNECTIONS: '1',
      ...options.env,
    },
  });
}

export interface FirefoxPage {
  /** A fresh browser context (own cookies and storage), like Playwright's `newContext()`. */
  context: BrowserContext;
  page: Page;
  /** Closes the context and with it the page. */
  close(): Promise<void>;
}

export interface OpenFirefoxPageOptions<Arg> {
  /**
   * Runs in every document of the page before the page's own scripts (a BiDi preload script,
   * through `page.evaluateOnNewDocument`), like Playwright's `addInitScript(script, arg)`.
   * It is serialized: it must not use variables from the test's scope, only `arg`.
   */
  initScript?: (arg: Arg) => unknown;
  /** Passed to `initScript`; must be JSON-serializable. */
  initScriptArg?: Arg;
  /** Default: the launch's 1280×720. */
  viewport?: Viewport;
}

/**
 * Opens `url` in a new page of a fresh browser context, with `initScript` installed first. Page
 * errors are logged to the test's stderr, as the Chromium pages do.
 */
export async function openFirefoxPage<Arg = undefined>(
  browser: Browser,
  url: string,
  options: OpenFirefoxPageOptions<Arg> = {},
): Promise<FirefoxPage> {
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) =>
      console.error(
        `[firefox page error] ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
    if (options.viewport) await page.setViewport(options.viewport);
    if (options.initScript) {
      await page.evaluateOnNewDocument(options.initScript, options.initScriptArg as Arg);
    }
    await page.goto(url);
    return { context, page, close: () => context.close() };
  } catch (error) {
    await context.close();
    throw error;
  }
}
