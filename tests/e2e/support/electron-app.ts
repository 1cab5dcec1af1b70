/**
 * Launching the real Appel app with Playwright's `_electron`, in a fixture that always closes
 * every instance it started and kills any that will not close or failed to start (as Signal's
 * ts/test-mock/playwright.ts does). Each instance gets a fresh userData; test hooks are set
 * through the environment only.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  _electron as electron,
  test as base,
  type ElectronApplication,
  type Page,
} from '@playwright/test';
import { CAPTURE_SCRIPT } from './electron-call.js';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The Electron binary as node_modules/electron/index.js finds it (path.txt names it inside
 * dist/), or null when it was never downloaded. Unlike `require('electron')`, this never tries a
 * download.
 */
export function installedElectronBinary(): string | null {
  const electronDir = join(repoRoot, 'node_modules', 'electron');
  const pathFile = join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

export interface AppInstance {
  name: string;
  app: ElectronApplication;
  /** The app's window, with RTCPeerConnections captured. */
  page: Page;
  userDataDir: string;
  /** The main process's log so far (stderr). */
  log: () => string;
  /**
   * Starts the same app again with the same userData, as a user double-clicking it would;
   * resolves with that second process's exit code.
   */
  startAgain: () => Promise<number | null>;
}

const CLOSE_TIMEOUT_MS = 10_000;

/** One started process, whatever state its start reached. */
interface Started {
  name: string;
  app: ElectronApplication;
  /** The main process's stderr (its log lines), attached to the test report. */
  log: string[];
  done?: Promise<void>;
}

/** Closes the app; kills it if closing fails or hangs. Safe to call twice. */
function closeOrKill(started: Started): Promise<void> {
  started.done ??= (async () => {
    const child = started.app.process();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), CLOSE_TIMEOUT_MS);
    });
    try {
      const closed = started.app.close().then(() => 'closed' as const);
      if ((await Promise.race([closed, timedOut])) === 'timeout') {
        console.error(`[${started.name}] did not close within ${CLOSE_TIMEOUT_MS} ms; killing it`);
      }
    } catch (error) {
      console.error(`[${started.name}] close failed (${String(error)}); killing it`);
    } finally {
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  })();
  return started.done;
}

// Chromium refuses to start as root with its OS sandbox (CI runs as root); the page's own
// sandbox (webPreferences.sandbox) is unchanged.
const APP_ARGS = [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), repoRoot];

/** The test hooks, through the environment only. */
function appEnv(userDataDir: string): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    APPEL_USER_DATA: userDataDir,
    APPEL_BIND_HOST: '127.0.0.1',
    APPEL_TEST_FAKE_MEDIA: '1',
    // Tests read main's log lines (blocked navigations…): never silenced here.
    APPEL_LOG: 'info',
  };
}

/** A second process on the same userData; killed if it has not exited within the timeout. */
function startAgain(binary: string, userDataDir: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, APP_ARGS, {
      cwd: repoRoot,
      env: appEnv(userDataDir),
      stdio: 'ignore',
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the second instance did not exit within 20 s'));
    }, 20_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

async function launch(
  name: string,
  binary: string,
  register: (started: Started) => void,
  userDataDir: string,
): Promise<AppInstance> {
  const app = await electron.launch({
    executablePath: binary,
    args: APP_ARGS,
    cwd: repoRoot,
    env: appEnv(userDataDir),
    timeout: 30_000,
  });
  const started: Started = { name, app, log: [] };
  // Registered before anything else can fail, so the fixture always closes it.
  register(started);
  app.process().stderr?.on('data', (chunk: Buffer) => started.log.push(chunk.toString('utf8')));
  await app.context().addInitScript(...CAPTURE_SCRIPT);
  const page = await app.firstWindow();
  page.on('pageerror', (error) => console.error(`[${name} page] ${error.message}`));
  // The first load may have run before the init script was added.
  await page.reload();
  return {
    name,
    app,
    page,
    userDataDir,
    log: () => started.log.join(''),
    startAgain: () => startAgain(binary, userDataDir),
  };
}

export const test = base.extend<{
  /** Starts one Appel instance; every one started is closed (or killed) after the test. */
  launchApp: (name: string) => Promise<AppInstance>;
}>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures must destructure.
  launchApp: async ({}, use, testInfo) => {
    const binary = installedElectronBinary();
    if (!binary) throw new Error('launchApp needs the Electron binary');
    for (const built of ['dist-electron/main.js', 'dist-electron/preload.cjs', 'dist/renderer']) {
      if (!existsSync(join(repoRoot, built))) {
        throw new Error(`${built} is missing: run npm run build before the Electron tests`);
      }
    }
    const started: Started[] = [];
    const userDataDirs: string[] = [];
    try {
      await use(async (name) => {
        const userDataDir = await mkdtemp(join(tmpdir(), `appel-app-${name}-`));
        userDataDirs.push(userDataDir);
        const mine: Started[] = [];
        try {
          const register = (entry: Started): void => {
            started.push(entry);
            mine.push(entry);
          };
          return await launch(name, binary, register, userDataDir);
        } catch (error) {
          // A start that failed half-way: kill what it started before reporting the failure.
          await Promise.all(mine.map(closeOrKill));
          throw error;
        }
      });
    } finally {
      await Promise.all(started.map(closeOrKill));
      for (const { name, log } of started) {
        await testInfo.attach(`${name} main process log`, {
          body: log.join(''),
          contentType: 'text/plain',
        });
      }
      await Promise.all(userDataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
    }
  },
});
