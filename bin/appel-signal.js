#!/usr/bin/env node
// `appel-signal`: runs the compiled signaling server CLI (dist/server/signaling-server/cli.js, from `npm run build`).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/server/signaling-server/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'appel-signal: dist/server/signaling-server/cli.js not found; run `npm run build` first (in the Appel checkout)\n',
  );
  process.exit(1);
}
const { main } = await import(cli.href);
await main(process.argv.slice(2), process.env);
