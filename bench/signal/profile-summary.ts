/**
 * Reads what `--profile` and `--heap` leave behind: a V8 `.cpuprofile` of the measured
 * window (self time per function and per package, per relayed message) and two heap snapshots
 * (idle, then with N clients) turned into bytes per connection by constructor.
 *
 * Standalone: `npx tsx bench/signal/profile-summary.ts FILE.cpuprofile` prints the whole-run
 * top functions; `… IDLE.heapsnapshot CONNECTED.heapsnapshot N` prints bytes per connection.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame }[];
  /** µs */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionCost {
  /** `name url:line`, the url shortened to the package or the repository file. */
  function: string;
  selfMs: number;
  /**
   * Its share of the sampled busy time × the server's CPU per message from procfs, µs. The
   * profiler samples the main thread only; this spreads GC threads and kernel time pro rata.
   */
  perMessageMicros: number;
  percent: number;
}

export interface CpuSummary {
  windowMs: number;
  /** Time the server was busy, sampled; percentages below are of it. */
  busyMs: number;
  idleMs: number;
  /** Self time per package: `socket.io`, `engine.io`, `ws`, `appel` (dist/server), `node:tls` … */
  byPackage: FunctionCost[];
  top: FunctionCost[];
}

/** Where code comes from, coarse: the npm package, the app's own code, Node, or V8 itself. */
function packageOf(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg?.[1]) return pkg[1];
  // node:internal/tls/wrap → node:tls, node:events → node:events
  if (url.startsWith('node:'))
    return `node:${url.replace(/^node:(internal\/)?/, '').split('/')[0]}`;
  if (url.includes('/dist/server/')) return 'appel';
  return url.replace(/^file:\/\/.*\/(bench|common|signaling-server)\//, '$1/');
}

function shortUrl(url: string): string {
  return url
    .replace(/^file:\/\/.*\/node_modules\//, '')
    .replace(/^file:\/\/.*\/dist\/server\//, 'dist/server/')
    .replace(/^file:\/\/.*\/cache\/appel-bench-signal\//, '');
}

function rank(costs: Map<string, number>, perMessage: number, total: number, limit: number) {
  return [...costs]
    .sort(([, a], [, b]) => b - a)
    .slice(0, limit)
    .map(([key, micros]): FunctionCost => ({
      function: key,
      selfMs: Math.round(micros / 100) / 10,
      perMessageMicros: Math.round((micros / total) * perMessage * 100) / 100,
      percent: Math.round((micros / total) * 1000) / 10,
    }));
}

/** Self time per function and per package; per message when `cpuMicrosPerMessage` is given. */
export async function summarizeCpuProfile(
  file: string,
  options: { cpuMicrosPerMessage?: number; top?: number } = {},
): Promise<CpuSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // A sample stands for the time until the next one.
    const span = profile.timeDeltas[i + 1] ?? 0;
    const frame = frames.get(profile.samples[i] as number);
    if (frame === undefined) continue;
    const name = frame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idle += span;
      continue;
    }
    const key = frame.url === '' ? name : `${name} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + span);
    const pkg = packageOf(frame.url, name);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + span);
    total += span;
  }
  const perMessage = options.cpuMicrosPerMessage ?? NaN;
  return {
    windowMs: Math.round((profile.endTime - profile.startTime) / 1000),
    busyMs: Math.round(total / 1000),
    idleMs: Math.round(idle / 1000),
    byPackage: rank(byPackage, perMessage, total, 20),
    top: rank(byFunction, perMessage, total, options.top ?? 30),
  };
}

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Live bytes (shallow) per `type:constructor` in a heap snapshot (taken after a full GC). */
async function heapByConstructor(file: string): Promise<Map<string, number>> {
  const heap = JSON.parse(await readFile(file, 'utf8')) as HeapSnapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const sizes = new Map<string, number>();
  for (let i = 0; i < heap.nodes.length; i += width) {
    const type = types[heap.nodes[i + typeAt] as number] ?? '?';
    // Strings and numbers are named by their value: count them as one kind each.
    const name =
      type === 'object' || type === 'closure' || type === 'native'
        ? (heap.strings[heap.nodes[i + nameAt] as number] ?? '?')
        : '';
    const key = name === '' ? `(${type})` : `${type}:${name.slice(0, 60)}`;
    sizes.set(key, (sizes.get(key) ?? 0) + (heap.nodes[i + sizeAt] as number));
  }
  return sizes;
}

export interface HeapDiff {
  /** Shallow heap bytes per connection, all kinds together. */
  bytesPerConnection: number;
  /** The kinds that grew most, bytes per connection. */
  top: { kind: string; bytesPerConnection: number }[];
}

/** What each of `connections` cost on the JS heap, from a snapshot before and one after. */
export async function diffHeapSnapshots(
  idleFile: string,
  connectedFile: string,
  connections: number,
  limit = 25,
): Promise<HeapDiff> {
  const idle = await heapByConstructor(idleFile);
  const connected = await heapByConstructor(connectedFile);
  const growth = [...connected].map(([kind, bytes]) => ({
    kind,
    bytesPerConnection: Math.round((bytes - (idle.get(kind) ?? 0)) / connections),
  }));
  growth.sort((a, b) => b.bytesPerConnection - a.bytesPerConnection);
  return {
    bytesPerConnection: growth.reduce((sum, { bytesPerConnection }) => sum + bytesPerConnection, 0),
    top: growth.slice(0, limit),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [first, second, count] = process.argv.slice(2);
  if (first?.endsWith('.cpuprofile')) {
    console.log(JSON.stringify(await summarizeCpuProfile(first), null, 2));
  } else if (first && second && count) {
    console.log(JSON.stringify(await diffHeapSnapshots(first, second, Number(count)), null, 2));
  } else {
    console.error('usage: profile-summary.ts FILE.cpuprofile | IDLE CONNECTED CONNECTIONS');
    process.exitCode = 2;
  }
}
