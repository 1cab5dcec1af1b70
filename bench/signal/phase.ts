/**
 * One measurement: one server process, N clients in load-generator processes, then steady
 * signaling traffic. Server CPU and memory are read from procfs around each step (idle,
 * connecting, connected, measured window), so the server runs no measuring code.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type {
  GeneratorCommand,
  GeneratorPlan,
  GeneratorReply,
  GeneratorResult,
} from './generator-protocol.js';
import { Inspector } from './inspector.js';
import { cpuMicros, machineBusyMicros, memory } from './proc.js';
import {
  diffHeapSnapshots,
  summarizeCpuProfile,
  type CpuSummary,
  type HeapDiff,
} from './profile-summary.js';
import { PROTOCOL_OF, startServer, type ServerName } from './servers.js';

export interface PhaseOptions {
  server: ServerName;
  /** All clients: `activeClients` in pairs, the rest idle in rooms of `roomSize`. */
  clients: number;
  activeClients: number;
  roomSize: number;
  generators: number;
  /** Connections in flight at once, per generator. */
  concurrency: number;
  candidates: number;
  periodMs: number;
  warmupMs: number;
  windowMs: number;
  /** Pause before reading memory, so the last connections' buffers settle. */
  settleMs: number;
  drainMs: number;
  eventsPerSecond: number;
  appelArgs?: readonly string[];
  cert: { certFile: string; keyFile: string; certPem: string };
  /** Write a CPU profile of the server here, and summarize its measured window. */
  profileDir?: string;
  /** Write heap snapshots (idle, connected) of the server here, and diff them. */
  heapDir?: string;
  /** Names the profile and snapshot files: `<tag>-<server>…`. */
  tag: string;
}

export interface ServerMeasurement {
  server: ServerName;
  clients: number;
  activeClients: number;
  /** Wall time until every client had its `newUser` (TLS + WebSocket + Socket.IO handshakes). */
  connectAllMs: number;
  /** Server CPU spent while clients connected, per client. */
  connectCpuMicrosPerClient: number;
  /** Relayed messages received in the window, and per second. */
  messages: number;
  messagesPerSecond: number;
  /** What the pairs sent per second: below it, the server (or a generator) fell behind. */
  offeredPerSecond: number;
  lost: number;
  unexpected: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Server CPU (user + system, all threads) in the window per relayed message. */
  cpuMicrosPerMessage: number;
  serverCpuPercent: number;
  rssIdleMiB: number;
  rssConnectedMiB: number;
  rssLoadedMiB: number;
  /** VmHWM at the end: the high-water mark over the server's life. */
  peakRssMiB: number;
  /** (RSS with every client connected, before traffic − RSS idle) / clients. */
  rssPerConnectionKiB: number;
  /** The same at the end of the window: connections plus what traffic left behind. */
  rssPerConnectionLoadedKiB: number;
  /** Generators' CPU in the window (100 = one core) and their busiest event loop (0–1). */
  generatorCpuPercent: number;
  generatorEventLoopUtilization: number;
  /**
   * CPU the rest of the machine used in the window (100 = one core): other people's work on a
   * shared machine. Much above 0 and the figures of this run are suspect.
   */
  otherCpuPercent: number;
  /** The measured window's CPU profile (`--profile`). */
  profile?: CpuSummary;
  /** The connecting phase's CPU profile, per client instead of per message (`--profile`). */
  connectProfile?: CpuSummary;
  heap?: HeapDiff;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 1): number => Number(value.toFixed(digits));
const mib = (kib: number): number => round(kib / 1024);

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, rank)] as number;
}

/** A forked load generator, driven one command at a time. */
class GeneratorProcess {
  readonly #child: ChildProcess;
  readonly #ready: Promise<void>;

  constructor() {
    this.#child = fork(fileURLToPath(new URL('./load-generator.ts', import.meta.url)), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#ready = this.#next().then(() => undefined);
  }

  #next(): Promise<GeneratorReply> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: GeneratorReply): void => {
        this.#child.off('exit', onExit);
        if (reply.kind === 'error') reject(new Error(`load generator: ${reply.message}`));
        else resolve(reply);
      };
      const onExit = (code: number | null): void => {
        this.#child.off('message', onMessage);
        reject(new Error(`load generator exited (code ${code})`));
      };
      this.#child.once('message', onMessage);
      this.#child.once('exit', onExit);
    });
  }

  async request(command: GeneratorCommand): Promise<GeneratorReply> {
    await this.#ready;
    const reply = this.#next();
    this.#child.send(command);
    return reply;
  }

  async result(drainMs: number): Promise<GeneratorResult> {
    const reply = await this.request({ kind: 'finish', drainMs });
    if (reply.kind !== 'result') throw new Error(`load generator answered ${reply.kind}`);
    return reply.result;
  }

  /** Closes its clients and lets it exit; kills it if it will not. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    try {
      await this.request({ kind: 'close' });
      this.#child.disconnect();
    } catch (error) {
      process.stderr.write(`bench: load generator did not close: ${String(error)}\n`);
      this.#child.kill('SIGKILL');
    }
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** Splits `total` into `parts` near-equal shares, each a multiple of `unit`. */
function shares(total: number, parts: number, unit: number): number[] {
  const units = Math.floor(total / unit);
  return Array.from(
    { length: parts },
    (_, i) => (Math.floor(units / parts) + (i < units % parts ? 1 : 0)) * unit,
  );
}

/** What {@link measure} needs besides the figures to read the profile and snapshots. */
interface Measured {
  result: ServerMeasurement;
  profileFiles?: { window: string; connect: string };
  heapFiles?: [string, string];
}

async function measureServer(options: PhaseOptions): Promise<Measured> {
  const { server: name, generators: count, tag } = options;
  const generators = Array.from({ length: count }, () => new GeneratorProcess());
  const server = await startServer(name, {
    certFile: options.cert.certFile,
    keyFile: options.cert.keyFile,
    connections: options.clients,
    eventsPerSecond: options.eventsPerSecond,
    ...(options.appelArgs && { appelArgs: options.appelArgs }),
  }).catch(async (error: unknown) => {
    await Promise.all(generators.map((generator) => generator.stop()));
    throw error;
  });
  const { pid } = server;
  const { profileDir, heapDir } = options;
  const heapFile = (state: string): string =>
    join(heapDir ?? '', `${tag}-${name}-${state}.heapsnapshot`);
  const profileFiles = {
    window: join(profileDir ?? '', `${tag}-${name}.cpuprofile`),
    connect: join(profileDir ?? '', `${tag}-${name}-connect.cpuprofile`),
  };
  let inspector: Inspector | undefined;
  try {
    await sleep(options.settleMs);
    const idle = await memory(pid);
    if (profileDir || heapDir) inspector = await Inspector.attach(pid);
    if (heapDir) await inspector?.heapSnapshot(heapFile('idle'));

    const pairs = shares(options.activeClients, count, 2).map((clients) => clients / 2);
    const idleClients = shares(options.clients - options.activeClients, count, options.roomSize);
    const plans = generators.map((_, index): GeneratorPlan => ({
      protocol: PROTOCOL_OF[name],
      url: server.url,
      certPem: options.cert.certPem,
      pairs: pairs[index] ?? 0,
      idleClients: idleClients[index] ?? 0,
      roomSize: options.roomSize,
      candidates: options.candidates,
      periodMs: options.periodMs,
      concurrency: options.concurrency,
      index,
      generators: count,
    }));
    const all = (command: GeneratorCommand): Promise<GeneratorReply[]> =>
      Promise.all(generators.map((generator) => generator.request(command)));

    if (profileDir) await inspector?.startProfile();
    const cpuBeforeConnect = await cpuMicros(pid);
    const connectStart = performance.now();
    const connected = await Promise.all(
      generators.map((generator, index) =>
        generator.request({ kind: 'connect', plan: plans[index] as GeneratorPlan }),
      ),
    );
    const connectAllMs = performance.now() - connectStart;
    const connectCpu = (await cpuMicros(pid)) - cpuBeforeConnect;
    if (profileDir) await inspector?.stopProfile(profileFiles.connect);
    const clients = connected.reduce((sum, r) => sum + (r.kind === 'connected' ? r.clients : 0), 0);
    await sleep(options.settleMs);
    const withClients = await memory(pid);
    if (heapDir) await inspector?.heapSnapshot(heapFile('connected'));

    await all({ kind: 'start' });
    await sleep(options.warmupMs);
    // The profiler runs a little longer than the window, so its start and stop are not counted.
    if (profileDir) await inspector?.startProfile();
    const cpuStart = await cpuMicros(pid);
    const machineStart = await machineBusyMicros();
    const windowStart = performance.now();
    await all({ kind: 'record' });
    await sleep(options.windowMs);
    await all({ kind: 'stop-record' });
    const windowMs = performance.now() - windowStart;
    const cpuWindow = (await cpuMicros(pid)) - cpuStart;
    const machineWindow = (await machineBusyMicros()) - machineStart;
    if (profileDir) await inspector?.stopProfile(profileFiles.window);
    const loaded = await memory(pid);
    const results = await Promise.all(generators.map((g) => g.result(options.drainMs)));

    const latencies = new Float64Array(results.reduce((n, r) => n + r.latencies.length, 0));
    let offset = 0;
    for (const { latencies: part } of results) {
      latencies.set(part, offset);
      offset += part.length;
    }
    latencies.sort();
    const messages = results.reduce((sum, r) => sum + r.receivedInWindow, 0);
    const sum = (pick: (r: GeneratorResult) => number): number =>
      results.reduce((total, r) => total + pick(r), 0);
    const perConnection = (rssKiB: number): number => round((rssKiB - idle.rssKiB) / clients);
    const percentOfCore = (micros: number): number => round((micros / 1000 / windowMs) * 100);
    const generatorCpu = sum((r) => r.cpuMicros);
    const result: ServerMeasurement = {
      server: name,
      clients,
      activeClients: options.activeClients,
      connectAllMs: Math.round(connectAllMs),
      connectCpuMicrosPerClient: Math.round(connectCpu / clients),
      messages,
      messagesPerSecond: Math.round((messages / windowMs) * 1000),
      offeredPerSecond: Math.round(
        (options.activeClients / 2) * (2 + 2 * options.candidates) * (1000 / options.periodMs),
      ),
      lost: sum((r) => r.lost),
      unexpected: sum((r) => r.unexpected),
      p50Ms: round(percentile(latencies, 50), 2),
      p90Ms: round(percentile(latencies, 90), 2),
      p99Ms: round(percentile(latencies, 99), 2),
      maxMs: round(percentile(latencies, 100), 2),
      cpuMicrosPerMessage: round(cpuWindow / messages),
      serverCpuPercent: percentOfCore(cpuWindow),
      rssIdleMiB: mib(idle.rssKiB),
      rssConnectedMiB: mib(withClients.rssKiB),
      rssLoadedMiB: mib(loaded.rssKiB),
      peakRssMiB: mib(loaded.peakKiB),
      rssPerConnectionKiB: perConnection(withClients.rssKiB),
      rssPerConnectionLoadedKiB: perConnection(loaded.rssKiB),
      generatorCpuPercent: percentOfCore(generatorCpu),
      generatorEventLoopUtilization: round(
        Math.max(...results.map((r) => r.eventLoopUtilization)),
        2,
      ),
      otherCpuPercent: percentOfCore(Math.max(0, machineWindow - cpuWindow - generatorCpu)),
    };
    return {
      result,
      ...(profileDir && { profileFiles }),
      ...(heapDir && { heapFiles: [heapFile('idle'), heapFile('connected')] }),
    };
  } finally {
    inspector?.close();
    await Promise.all(generators.map((generator) => generator.stop()));
    await server.stop();
  }
}

/** Measures one server; with `profileDir` / `heapDir`, also summarizes what they wrote. */
export async function measure(options: PhaseOptions): Promise<ServerMeasurement> {
  const { result, profileFiles, heapFiles } = await measureServer(options);
  if (profileFiles) {
    result.profile = await summarizeCpuProfile(profileFiles.window, {
      cpuMicrosPerMessage: result.cpuMicrosPerMessage,
    });
    // Per client: the same arithmetic, one connection standing for one message.
    result.connectProfile = await summarizeCpuProfile(profileFiles.connect, {
      cpuMicrosPerMessage: result.connectCpuMicrosPerClient,
    });
  }
  if (heapFiles) result.heap = await diffHeapSnapshots(...heapFiles, result.clients);
  return result;
}
