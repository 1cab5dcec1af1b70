/**
 * The three servers the signaling bench compares, each started as its own child process with
 * the same TLS certificate: the real `appel-signal` CLI (through tests/support/appel-signal.ts),
 * the tutorial baseline and the raw `ws` relay. The two baselines are transpiled to plain
 * JavaScript first, so every server runs on bare `node`, with no TypeScript loader thread to
 * cost memory or CPU.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { appelSignalBin, repoRoot, startAppelSignal } from '../../tests/support/appel-signal.js';
import type { ClientProtocol } from './generator-protocol.js';
import { findChildPid } from './proc.js';

export type ServerName = 'appel-signal' | 'tutorial' | 'ws';
export const SERVER_NAMES: readonly ServerName[] = ['tutorial', 'ws', 'appel-signal'];

/** The client library each server is driven with. */
export const PROTOCOL_OF: Record<ServerName, ClientProtocol> = {
  'appel-signal': 'socket.io',
  tutorial: 'socket.io',
  ws: 'ws',
};

export interface BenchServer {
  name: ServerName;
  url: string;
  /** The process serving connections, for procfs readings. */
  pid: number;
  stop(): Promise<void>;
}

export interface ServerSetup {
  certFile: string;
  keyFile: string;
  /** Connections it must admit (appel-signal's caps are raised to fit). */
  connections: number;
  /** appel-signal's per-client event rate limit. */
  eventsPerSecond: number;
  /** More appel-signal flags (e.g. a Redis URL), after the bench's own. */
  appelArgs?: readonly string[];
}

/** Where the baselines are transpiled; inside node_modules so their imports resolve. */
const BUILD_DIR = join(repoRoot, 'node_modules', '.cache', 'appel-bench-signal');
const BASELINE_SOURCES = {
  tutorial: 'bench/signal/tutorial-server.ts',
  ws: 'bench/signal/ws-relay.ts',
} as const;
/** What the baselines import from the app: transpiled beside them, same relative paths. */
const SHARED_SOURCES = ['common/protocol.ts'];
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

/** Transpiles the baselines (and what they import) to ES modules under {@link BUILD_DIR}. */
export async function buildBaselines(): Promise<void> {
  await mkdir(BUILD_DIR, { recursive: true });
  await writeFile(join(BUILD_DIR, 'package.json'), '{ "type": "module" }\n');
  for (const source of [...Object.values(BASELINE_SOURCES), ...SHARED_SOURCES]) {
    const { outputText } = ts.transpileModule(await readFile(join(repoRoot, source), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2023 },
      fileName: source,
    });
    const target = join(BUILD_DIR, source.replace(/\.ts$/, '.js'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, outputText);
  }
}

/** Spawns a transpiled baseline and resolves once it printed `listening <port>`. */
async function startBaseline(name: 'tutorial' | 'ws', setup: ServerSetup): Promise<BenchServer> {
  const file = join(BUILD_DIR, BASELINE_SOURCES[name].replace(/\.ts$/, '.js'));
  const child = spawn(process.execPath, [file, '--cert', setup.certFile, '--key', setup.keyFile], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start: ${output}`)),
      START_TIMEOUT_MS,
    );
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = /^listening (\d+)$/m.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before listening: ${output}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  if (child.pid === undefined) throw new Error(`${name}: no pid`);
  return { name, url: `https://127.0.0.1:${port}`, pid: child.pid, stop };
}

/** The flags this build of the CLI knows (the tree changes under the bench), from its help. */
let appelFlags: string | undefined;

/** The real CLI, default room on, its caps raised to admit every bench client from 127.0.0.1. */
async function startAppel(setup: ServerSetup): Promise<BenchServer> {
  const connections = String(setup.connections + 16);
  appelFlags ??= execFileSync(process.execPath, [appelSignalBin, '--help'], { encoding: 'utf8' });
  // Newer builds cap room size; every tutorial client shares the default room.
  const roomCap = appelFlags.includes('--max-room-members')
    ? ['--max-room-members', connections]
    : [];
  const server = await startAppelSignal({
    args: [
      '--cert',
      setup.certFile,
      '--key',
      setup.keyFile,
      '--max-connections',
      connections,
      '--max-connections-per-address',
      connections,
      '--events-per-second',
      String(setup.eventsPerSecond),
      ...roomCap,
      ...(setup.appelArgs ?? []),
    ],
    startTimeoutMs: START_TIMEOUT_MS,
  });
  try {
    // Its temporary data directory is unique, so it names the child among any others.
    const pid = await findChildPid([appelSignalBin, server.dataDir]);
    return { name: 'appel-signal', url: server.url, pid, stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

export function startServer(name: ServerName, setup: ServerSetup): Promise<BenchServer> {
  return name === 'appel-signal' ? startAppel(setup) : startBaseline(name, setup);
}
