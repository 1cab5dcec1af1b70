/**
 * `npm start` where Electron's binary is missing and its download host unreachable: one line
 * that says so and points to `npx appel-signal`, exit 1, never a stack trace.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { createCleanups } from '../support/cleanups.js';

const startScript = fileURLToPath(new URL('../../scripts/start.mjs', import.meta.url));
const cleanups = createCleanups();
afterEach(() => cleanups.run());

function run(
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [startScript], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

it('says in one line that Electron could not be fetched, and how to host for browsers', async () => {
  // An empty dist folder stands for "binary missing" even where one is installed, and a mirror on
  // a closed loopback port makes the download fail at once, whatever the network.
  const emptyDist = await cleanups.tempDir('appel-no-electron-');
  const cache = await cleanups.tempDir('appel-electron-cache-');
  const result = await run({
    ...process.env,
    ELECTRON_OVERRIDE_DIST_PATH: emptyDist,
    ELECTRON_MIRROR: 'https://127.0.0.1:9/',
    electron_config_cache: cache,
    ELECTRON_SKIP_BINARY_DOWNLOAD: '',
  });

  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(
    /^Appel: could not download Electron \(.+\)\. To host the call page for browsers instead, run: npx appel-signal$/,
  );
  expect(result.stderr).not.toMatch(/\n\s+at /);
}, 60_000);
