/**
 * A real coturn (`turnserver`, Debian's coturn package) on 127.0.0.1 (or addresses of a test
 * network, see netns.ts) for tests: free ports, the
 * TURN REST API secret mechanism Appel mints credentials for, relays on loopback, nothing else
 * (no TLS, no DTLS, no admin CLI, no configuration file), stopped when the test is done.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import { stunBinding } from './turn-client.js';

/** Where Debian installs coturn; `APPEL_TURNSERVER` overrides it. */
export function turnserverExecutable(): string | null {
  const path = process.env.APPEL_TURNSERVER ?? '/usr/bin/turnserver';
  return existsSync(path) ? path : null;
}

export interface StartCoturnOptions {
  /**
   * coturn's `static-auth-secret`. Hex, since a base64url secret may start with `-`, which a
   * command line reads as a flag.
   * @default 32 random bytes in hex
   */
  secret?: string;
  /** @default 'appel.test' */
  realm?: string;
  /** How many UDP relay ports coturn may hand out. @default 40 */
  relayPorts?: number;
  /**
   * The listening port, to start coturn again where a stopped one was (its clients' URLs stay
   * right). @default a free port
   */
  port?: number;
  /** The relay ports, likewise. @default a free run of {@link StartCoturnOptions.relayPorts} */
  relayPortRange?: { min: number; max: number };
  /** How long to wait for coturn to answer a STUN Binding. @default 10000 */
  startTimeoutMs?: number;
  /**
   * Addresses to listen on (UDP and TCP), reachable from the test process. The first one is in
   * {@link Coturn.url}. @default ['127.0.0.1']
   */
  listeningIps?: string[];
  /** Where relays are allocated. @default the first of {@link listeningIps} */
  relayIp?: string;
  /**
   * A command prefix coturn runs under, such as `nsenter --net=…` to run it in another network
   * namespace (see netns.ts). @default none
   */
  wrap?: string[];
}

export interface Coturn {
  /** The first listening address: `127.0.0.1` unless {@link StartCoturnOptions.listeningIps}. */
  host: string;
  /** The listening port (UDP and TCP). */
  port: number;
  secret: string;
  realm: string;
  /** The UDP port range relays are allocated from. */
  relayPortRange: { min: number; max: number };
  /** `turn:127.0.0.1:<port>?transport=udp` */
  url: string;
  /** `turn:127.0.0.1:<port>?transport=tcp`: TURN over TCP, for networks that drop UDP. */
  tcpUrl: string;
  /** `stun:127.0.0.1:<port>` */
  stunUrl: string;
  /** What coturn logged so far (its log goes to stdout). */
  log(): string;
  /** SIGTERM, wait for exit (SIGKILL after 5 s), remove the temporary directory. */
  stop(): Promise<void>;
}

/** Whether `port` is free for UDP and TCP on 127.0.0.1 (coturn listens on both). */
async function portFree(port: number, tcpToo: boolean): Promise<boolean> {
  const udp = await new Promise<boolean>((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
  if (!udp || !tcpToo) return udp;
  return new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A random port in 20000–59999 free for UDP and TCP; the next one to bind it wins, as ever. */
async function freeListeningPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    if (await portFree(port, true)) return port;
  }
  throw new Error('no free port for coturn after 50 tries');
}

/** A run of `count` consecutive UDP ports free now, away from `avoid`. */
async function freeRelayRange(count: number, avoid: number): Promise<{ min: number; max: number }> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const min = 20_000 + Math.floor(Math.random() * (40_000 - count));
    const max = min + count - 1;
    if (avoid >= min && avoid <= max) continue;
    const ports = Array.from({ length: count }, (_, i) => min + i);
    const free = await Promise.all(ports.map((port) => portFree(port, false)));
    if (free.every(Boolean)) return { min, max };
  }
  throw new Error(`no run of ${count} free UDP ports for coturn's relays after 50 tries`);
}

/**
 * Whether coturn answers on `host:port`: a STUN Binding on loopback; elsewhere a TCP connection
 * (the STUN client binds to loopback, which cannot reach another network namespace).
 */
async function answers(host: string, port: number): Promise<boolean> {
  if (host.startsWith('127.')) {
    return stunBinding({ address: host, port }, { timeoutMs: 300 }).then(
      (address) => address !== null,
      () => false, // Not listening yet: no answer within the timeout.
    );
  }
  return new Promise<boolean>((resolve) => {
    const socket = connect({ host, port, timeout: 300 });
    const done = (up: boolean): void => {
      socket.destroy();
      resolve(up);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false)); // Not listening yet.
  });
}

/**
 * Starts `turnserver` on 127.0.0.1 (or `listeningIps`) and resolves once it answers. Rejects with its
 * log when it exits or stays silent. Throws when coturn is not installed.
 */
export async function startCoturn(options: StartCoturnOptions = {}): Promise<Coturn> {
  const executable = turnserverExecutable();
  if (!executable) {
    throw new Error('coturn is not installed: `apt-get install coturn` (or set APPEL_TURNSERVER)');
  }
  const secret = options.secret ?? randomBytes(32).toString('hex');
  const realm = options.realm ?? 'appel.test';
  const port = options.port ?? (await freeListeningPort());
  const relayPortRange =
    options.relayPortRange ?? (await freeRelayRange(options.relayPorts ?? 40, port));
  const dir = await mkdtemp(join(tmpdir(), 'appel-coturn-'));
  const listeningIps = options.listeningIps ?? ['127.0.0.1'];
  const host = listeningIps[0];
  if (host === undefined) throw new RangeError('listeningIps needs at least one address');
  const relayIp = options.relayIp ?? host;
  const args = [
    '-n', // no configuration file: /etc/turnserver.conf must not change what runs here
    ...listeningIps.map((ip) => `--listening-ip=${ip}`),
    `--listening-port=${port}`,
    `--relay-ip=${relayIp}`,
    `--min-port=${relayPortRange.min}`,
    `--max-port=${relayPortRange.max}`,
    '--use-auth-secret',
    `--static-auth-secret=${secret}`,
    `--realm=${realm}`,
    // Both peers' relays are on 127.0.0.1: without this coturn refuses them as peers.
    ...(relayIp.startsWith('127.') ? ['--allow-loopback-peers'] : []),
    '--no-multicast-peers',
    '--no-cli',
    '--no-tls',
    '--no-dtls',
    '--fingerprint',
    '--no-software-attribute',
    '--log-file=stdout',
    '--simple-log',
    `--pidfile=${join(dir, 'turnserver.pid')}`,
    `--userdb=${join(dir, 'turndb')}`,
  ];
  const [file, ...prefixArgs] = [...(options.wrap ?? []), executable];
  const child = spawn(file, [...prefixArgs, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (chunk: string): void => {
    // Keep the tail: a long test could make coturn log a lot.
    output = (output + chunk).slice(-200_000);
  };
  child.stdout.setEncoding('utf8').on('data', append);
  child.stderr.setEncoding('utf8').on('data', append);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const timeoutMs = options.startTimeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  try {
    let exitedEarly = false;
    void exited.then(() => (exitedEarly = true));
    for (;;) {
      if (exitedEarly) throw new Error(`turnserver exited before listening:\n${output.trim()}`);
      if (await answers(host, port)) break;
      if (Date.now() > deadline) {
        throw new Error(
          `turnserver did not answer on ${host}:${port} within ${timeoutMs} ms:\n${output.trim()}`,
        );
      }
      await delay(100);
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    host,
    port,
    secret,
    realm,
    relayPortRange,
    url: `turn:${host}:${port}?transport=udp`,
    tcpUrl: `turn:${host}:${port}?transport=tcp`,
    stunUrl: `stun:${host}:${port}`,
    log: () => output,
    stop,
  };
}
