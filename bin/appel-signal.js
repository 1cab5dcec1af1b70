#!/usr/bin/env node
// `appel-signal`: runs the compiled signaling server CLI (dist/server/signaling-server/cli.js).
// Right after `npm install` in a fresh clone nothing is built yet: the first run builds the
// server with the checkout's own TypeScript, and the call page with its Vite, saying so in one
// line on stderr (stdout stays the server's one listening line).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const local = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const cli = new URL('../dist/server/signaling-server/cli.js', import.meta.url);

/** One line on stderr and exit 1. */
function die(message) {
  process.stderr.write(`appel-signal: ${message}\n`);
  process.exit(1);
}

/** Runs a build tool quietly; on failure shows its output, then one line saying what failed. */
function build(what, script, args) {
  process.stderr.write(`appel-signal: first run: building ${what} (takes a few seconds)\n`);
  const run = spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) {
    process.stderr.write(`${run.stdout ?? ''}${run.stderr ?? ''}${run.error?.message ?? ''}\n`);
    die(`building ${what} failed (above); fix it, or run \`npm run build\` in ${root}`);
  }
}

if (!existsSync(cli)) {
  const tsc = local('node_modules/typescript/bin/tsc');
  if (!existsSync(tsc)) {
    die(
      `dist/server/signaling-server/cli.js is not built and TypeScript is not installed ` +
        `(npm install --omit=dev?): run \`npm install && npm run build\` in ${root}`,
    );
  }
  build('the server', tsc, ['-p', 'tsconfig.server.json']);
}
// The server runs without the call page (it says so in its log); browsers need it.
const vite = local('node_modules/vite/bin/vite.js');
if (!existsSync(local('dist/renderer/index.html')) && existsSync(vite)) {
  build('the call page', vite, ['build', '--logLevel', 'warn']);
}

const { main } = await import(cli.href);
await main(process.argv.slice(2), process.env);
