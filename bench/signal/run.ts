/**
 * `npm run bench:signal [-- options]`: what appel-signal costs next to the tutorial server it
 * replaces and a raw `ws` relay, measured in one invocation on one machine and reported as
 * ratios. JSON on stdout, a table per size on stderr. Runs inside the private network namespace.
 *
 * For each client count, each server runs alone in its own child process; clients run in forked
 * load generators; pairs exchange an offer, an answer and candidates every period. `--huge` (or
 * `--scale N`) holds N connections on appel-signal instead, `--active` of them in pairs, the
 * rest idle in rooms. `--profile DIR` and `--heap DIR` add a CPU profile of the measured window
 * and a per-connection heap diff to each server's figures. `--help` lists every option.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadOrCreateCertificate } from '../../signaling-server/tls.js';
import { measure, type PhaseOptions, type ServerMeasurement } from './phase.js';
import { openFileLimit } from './proc.js';
import { bestOf, compare, formatComparison, type Comparison } from './report.js';
import { buildBaselines, SERVER_NAMES, type ServerName } from './servers.js';

const HELP = `Usage: npm run bench:signal -- [options]
  --clients LIST        client counts to compare at (default 200,1000)
  --repeat N            runs per client count; server order rotates each run (default 1)
  --servers LIST        tutorial,ws,appel-signal (default all three; --huge: appel-signal)
  --window S            measured seconds (default 10)
  --warmup S            seconds of traffic before the window (default 3)
  --period MS           each pair's round: offer, answer, candidates (default 1000)
  --candidates N        candidates each side per round (default 10)
  --generators N        load-generator processes (default 2; --huge: 4)
  --concurrency N       connections in flight per generator (default 50)
  --events-per-second N appel-signal's per-client rate limit (default 1000)
  --appel-arg ARG       one more appel-signal flag or value (repeatable: --appel-arg=--x …)
  --huge                --scale 10000
  --scale N             N connections on each server instead of --clients
  --active N            with --scale: clients in pairs, the rest idle (default 1000)
  --room-size N         with --scale: idle clients per room (default 8)
  --profile DIR         CPU-profile each server; summarize its measured window
  --heap DIR            heap snapshots idle and connected; bytes per connection by kind
`;

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '200,1000' },
    repeat: { type: 'string', default: '1' },
    servers: { type: 'string' },
    window: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    period: { type: 'string', default: '1000' },
    candidates: { type: 'string', default: '10' },
    generators: { type: 'string' },
    concurrency: { type: 'string', default: '50' },
    'events-per-second': { type: 'string', default: '1000' },
    'appel-arg': { type: 'string', multiple: true },
    huge: { type: 'boolean', default: false },
    scale: { type: 'string' },
    active: { type: 'string', default: '1000' },
    'room-size': { type: 'string', default: '8' },
    profile: { type: 'string' },
    heap: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

function count(raw: string, flag: string): number {
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`--${flag} must be a whole number (got "${raw}")`);
  }
  return value;
}
const list = (raw: string, flag: string): number[] =>
  raw.split(',').map((item) => count(item.trim(), flag));

const scale = values.huge ? 10_000 : values.scale === undefined ? 0 : count(values.scale, 'scale');
const huge = scale > 0;
const servers = (values.servers?.split(',') ?? (huge ? ['appel-signal'] : SERVER_NAMES)).map(
  (name) => {
    if (!(SERVER_NAMES as readonly string[]).includes(name)) {
      throw new Error(`--servers: unknown server "${name}" (${SERVER_NAMES.join(', ')})`);
    }
    return name as ServerName;
  },
);
const sizes = huge ? [scale] : list(values.clients, 'clients');
const repeat = Math.max(1, count(values.repeat, 'repeat'));

const needed = Math.max(...sizes) + 100;
const fdLimit = await openFileLimit();
if (fdLimit < needed) {
  throw new Error(
    `open-file limit ${fdLimit} is below the ${needed} a server needs: raise it first (ulimit -n)`,
  );
}

await buildBaselines();
const certDir = await mkdtemp(join(tmpdir(), 'appel-bench-signal-'));
const tls = await loadOrCreateCertificate({ dataDir: certDir });
const base: Omit<PhaseOptions, 'server' | 'clients' | 'activeClients' | 'tag'> = {
  roomSize: count(values['room-size'], 'room-size'),
  generators: values.generators
    ? count(values.generators, 'generators')
    : huge
      ? 4
      : Math.min(2, Math.max(...sizes) / 2),
  concurrency: count(values.concurrency, 'concurrency'),
  candidates: count(values.candidates, 'candidates'),
  periodMs: count(values.period, 'period'),
  warmupMs: Number(values.warmup) * 1000,
  windowMs: Number(values.window) * 1000,
  settleMs: huge ? 3000 : 1500,
  drainMs: 10_000,
  eventsPerSecond: count(values['events-per-second'], 'events-per-second'),
  ...(values['appel-arg'] && { appelArgs: values['appel-arg'] }),
  cert: { certFile: tls.certPath, keyFile: tls.keyPath, certPem: tls.cert },
  ...(values.profile !== undefined && { profileDir: resolve(values.profile) }),
  ...(values.heap !== undefined && { heapDir: resolve(values.heap) }),
};

const comparisons: Comparison[] = [];
const scaled: ServerMeasurement[] = [];
try {
  for (const clients of sizes) {
    for (let run = 1; run <= repeat; run++) {
      // Rotate the order, so drift in the machine's speed does not always favour one server.
      const order = servers.map((_, i) => servers[(i + run - 1) % servers.length] as ServerName);
      const measured: Partial<Record<ServerName, ServerMeasurement>> = {};
      for (const server of order) {
        process.stderr.write(`bench:signal: ${server}, ${clients} clients, run ${run}…\n`);
        const activeClients = huge ? Math.min(clients, count(values.active, 'active')) : clients;
        measured[server] = await measure({
          ...base,
          server,
          clients,
          activeClients,
          tag: `${clients}-${run}`,
        });
      }
      if (huge) {
        scaled.push(...Object.values(measured));
        for (const result of Object.values(measured)) {
          process.stderr.write(`${JSON.stringify(result)}\n`);
        }
      } else {
        const comparison = compare(clients, run, measured);
        comparisons.push(comparison);
        process.stderr.write(`\n${formatComparison(comparison)}\n`);
      }
    }
  }
} finally {
  await rm(certDir, { recursive: true, force: true });
}
const best = repeat > 1 ? bestOf(comparisons) : [];
for (const comparison of best) process.stderr.write(`\n${formatComparison(comparison)}\n`);

console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model,
        node: process.version,
        loadavg: loadavg().map((load) => Number(load.toFixed(2))),
      },
      // Everything but the certificate, which says nothing about the figures.
      settings: { ...base, cert: undefined },
      ...(huge ? { scale: scaled } : { comparisons, ...(repeat > 1 && { best }) }),
    },
    null,
    2,
  ),
);
