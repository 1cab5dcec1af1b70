#!/usr/bin/env node
/**
 * `npm start`: make sure the Electron binary is there (downloading it once if not), build the app
 * if its output is missing or older than its sources, then run it, passing through its exit code
 * and the signals this process receives.
 *
 * Where Electron cannot be downloaded, this prints one line saying why and how to serve the call
 * page to browsers instead, and exits 1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const require = createRequire(join(root, 'package.json'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * The Electron binary as node_modules/electron/index.js finds it: path.txt names it inside dist/,
 * or inside $ELECTRON_OVERRIDE_DIST_PATH when set. Null when it is not there.
 */
function electronBinary(electronDir) {
  const pathFile = join(electronDir, 'path.txt');
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (!override && !name) return null;
  const binary = override ? join(override, name ?? 'electron') : join(electronDir, 'dist', name);
  return existsSync(binary) ? binary : null;
}

/** The last "SomeError: message" line of install.js's output, else its last non-empty line. */
function failureReason(output) {
  const lines = output
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  const errorLine = lines.findLast((line) => /^[A-Za-z]*Error: /.test(line));
  const line = errorLine?.replace(/^[A-Za-z]*Error: /, '') ?? lines.at(-1) ?? 'no output';
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

/** undici only says "fetch failed"; name the host that could not be reached when DNS is why. */
async function explainFetchFailure(reason) {
  if (reason !== 'fetch failed') return reason;
  const mirror = process.env.ELECTRON_MIRROR ?? process.env.npm_config_electron_mirror;
  const host = new URL(mirror ?? 'https://github.com/').hostname;
  try {
    await lookup(host);
    return `${reason} from ${host}`;
  } catch (error) {
    return `${reason}: cannot resolve ${host}, ${error.code ?? error.message}`;
  }
}

async function ensureElectron() {
  const electronDir = dirname(require.resolve('electron/package.json'));
  const existing = electronBinary(electronDir);
  if (existing) return existing;
  const install = spawnSync(process.execPath, [join(electronDir, 'install.js')], {
    cwd: electronDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 10 * 60 * 1000,
  });
  const installed = install.status === 0 ? electronBinary(electronDir) : null;
  if (installed) return installed;
  const reason = install.error
    ? install.error.message
    : await explainFetchFailure(failureReason(`${install.stdout}\n${install.stderr}`));
  console.error(
    `Appel: could not download Electron (${reason}). ` +
      'To host the call page for browsers instead, run: npx appel-signal',
  );
  process.exit(1);
}

/** Newest modification time of the files under `dir` (0 when it does not exist). */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return latest;
}

function buildIfStale() {
  const outputs = [
    'dist-electron/main.js',
    'dist-electron/preload.cjs',
    'dist/renderer/index.html',
  ].map((file) => join(root, file));
  const sources = ['main', 'preload', 'renderer', 'signaling-server'].map((dir) => join(root, dir));
  const built = outputs.every((file) => existsSync(file))
    ? Math.min(...outputs.map((file) => statSync(file).mtimeMs))
    : 0;
  const changed = Math.max(...sources.map(newest), statSync(join(root, 'vite.config.ts')).mtimeMs);
  if (built >= changed) return;
  const build = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('Appel: the build failed (see above); not starting the app.');
    process.exit(build.status ?? 1);
  }
}

const binary = await ensureElectron();
buildIfStale();

const env = { ...process.env };
// Set, it would make Electron behave as plain Node and ignore the app.
delete env.ELECTRON_RUN_AS_NODE;
const child = spawn(binary, [root, ...process.argv.slice(2)], { cwd: root, env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}
child.on('error', (error) => {
  console.error(`Appel: cannot start Electron (${error.message}).`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal) {
    // Die the same way, so a parent shell sees the signal.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else {
    process.exit(code ?? 1);
  }
});
