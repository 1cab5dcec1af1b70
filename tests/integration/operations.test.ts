/**
 * Running `appel-signal` in production: /healthz and /metrics over real HTTPS, JSON logs from the
 * real CLI process, graceful shutdown on SIGTERM with real socket.io-client sockets, every flag's
 * environment variable, and the first run of `bin/appel-signal.js` in a fresh checkout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { io as connectClient } from 'socket.io-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../common/csp.js';
import {
  connectErrorCode,
  Events,
  newRoomKey,
  parseClosingNotice,
  type HandshakeAuth,
} from '../../common/protocol.js';
import {
  FLAGS,
  parseCli,
  SWITCHES,
  type CliCommand,
  type FlagSpec,
} from '../../signaling-server/cli-options.js';
import { createPrometheusMetrics } from '../../signaling-server/prometheus.js';
import { appelSignalBin, LISTENING_LINE, repoRoot } from '../support/appel-signal.js';
import { sampleOffer, sampleSdp } from '../support/signaling-fixtures.js';
import {
  nextEvent,
  send,
  startServer,
  WAIT_MS,
  type TestClient,
} from '../support/server-harness.js';

const METRICS_TOKEN = 'scraper-token-0123456789';
const ACCESS_KEY = 'operations-access-key-42';

async function tempDir(prefix = 'appel-ops-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** This process's environment without any APPEL_* setting. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('APPEL_')),
  );
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface RunningCli {
  child: ChildProcess;
  url: string;
  port: number;
  certPem: string;
  stderr(): string;
  /** stderr's lines parsed as JSON (each must be a JSON object). */
  logLines(): Record<string, unknown>[];
  exited: Promise<Exit>;
}

/** Starts `bin/appel-signal.js` on 127.0.0.1 with `args`, capturing stderr; killed at the end. */
async function startCli(
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
  bin = appelSignalBin,
): Promise<RunningCli> {
  const dataDir = await tempDir('appel-ops-data-');
  const child = spawn(
    process.execPath,
    [bin, '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, ...args],
    { cwd: repoRoot, env: { ...cleanEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${stderr}`)), 20_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = LISTENING_LINE.exec(stdout.split('\n')[0] ?? '');
      if (match && stdout.includes('\n')) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`exited before listening: ${stderr}`));
    });
  });
  return {
    child,
    url,
    port: Number(new URL(url).port),
    certPem: readFileSync(join(dataDir, 'cert.pem'), 'utf8'),
    stderr: () => stderr,
    logLines: () =>
      stderr
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    exited,
  };
}

function client(
  url: string,
  certPem: string,
  auth: HandshakeAuth = {},
  options: { reconnection?: boolean } = {},
): TestClient {
  const socket: TestClient = connectClient(url, {
    transports: ['websocket'],
    ca: certPem,
    forceNew: true,
    reconnection: options.reconnection ?? false,
    reconnectionDelay: 100,
    auth: { ...auth },
  });
  onTestFinished(() => {
    socket.disconnect();
  });
  return socket;
}

/** A connected client and its id. */
async function joined(url: string, certPem: string, auth: HandshakeAuth = {}, reconnect = false) {
  const socket = client(url, certPem, auth, { reconnection: reconnect });
  const id = (await nextEvent(socket, Events.newUser)) as string;
  return { socket, id };
}

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(
  port: number,
  certPem: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, ca: certPem, agent: false, headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.setTimeout(WAIT_MS, () => req.destroy(new Error(`timed out: GET ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

/** The value of one sample line (`name{labels} value`) in Prometheus text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/healthz', () => {
  it('answers 200 ready with the security headers while the server takes clients', async () => {
    const { server, certPem } = await startServer();
    const res = await get(server.port, certPem, '/healthz');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ready' });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers 503 naming a failing readiness probe (not why), and 200 once it recovers', async () => {
    const { server, certPem } = await startServer();
    let redisUp = false;
    server.health.addProbe('redis', () =>
      redisUp ? Promise.resolve() : Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:6379')),
    );
    const down = await get(server.port, certPem, '/healthz');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toEqual({ status: 'not-ready', failing: ['redis'] });
    expect(down.body).not.toContain('10.0.0.7');
    redisUp = true;
    expect((await get(server.port, certPem, '/healthz')).status).toBe(200);
  });

  it('answers 503 shutting-down to a check that is in flight when the shutdown starts', async () => {
    const { server, certPem } = await startServer();
    let release = (): void => undefined;
    let probing = (): void => undefined;
    const running = new Promise<void>((resolve) => (probing = resolve));
    server.health.addProbe('slow', () => {
      probing();
      return new Promise<void>((resolve) => (release = resolve));
    });
    const answer = get(server.port, certPem, '/healthz');
    await running;
    const closed = server.close({ timeoutMs: 2000 });
    release();
    const res = await answer;
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toEqual({ status: 'shutting-down' });
    expect(res.headers.connection).toBe('close');
    await closed;
    await expect(get(server.port, certPem, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('/metrics', () => {
  it('is absent without a token, and refuses a missing or wrong token with 401', async () => {
    const open = await startServer({ staticDir: undefined });
    const none = await get(open.server.port, open.certPem, '/metrics');
    expect(none.status).toBe(404);
    expect(none.body).not.toContain('appel_');

    const cli = await startCli(['--metrics-token', METRICS_TOKEN], { APPEL_LOG: 'silent' });
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: 'Bearer wrong-token-0123456789' },
    ];
    for (const headers of attempts) {
      const res = await get(cli.port, cli.certPem, '/metrics', headers);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(res.body).not.toContain('appel_');
    }
  });

  it('counts connections, rooms, a relayed offer and a refusal in Prometheus text', async () => {
    const cli = await startCli([], { APPEL_LOG: 'silent', APPEL_METRICS_TOKEN: METRICS_TOKEN });
    const room = { room: 'ops', key: newRoomKey() };
    const a = await joined(cli.url, cli.certPem, { ...room, name: 'Ann' });
    const b = await joined(cli.url, cli.certPem, { ...room, name: 'Bob' });
    const relayed = nextEvent(b.socket, Events.offer);
    expect(await send(a.socket, Events.offer, { offer: sampleOffer(1), to: b.id })).toEqual({
      ok: true,
    });
    await relayed;
    const intruder = client(cli.url, cli.certPem, { room: 'ops', key: newRoomKey() });
    expect(connectErrorCode(await nextEvent(intruder, 'connect_error'))).toBe('unauthorized');

    const res = await get(cli.port, cli.certPem, '/metrics', {
      Authorization: `Bearer ${METRICS_TOKEN}`,
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    const text = res.body;
    for (const name of [
      'appel_connections',
      'appel_rooms',
      'appel_relayed_events_total',
      'appel_refusals_total',
      'appel_relay_latency_seconds',
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(sample(text, 'appel_connections')).toBe(2);
    expect(sample(text, 'appel_rooms')).toBe(1);
    expect(sample(text, 'appel_relayed_events_total{event="offer"}')).toBe(1);
    expect(sample(text, 'appel_refusals_total{code="unauthorized"}')).toBe(1);
    expect(sample(text, 'appel_relay_latency_seconds_count{event="offer"}')).toBe(1);
    expect(sample(text, 'appel_relay_latency_seconds_bucket{le="+Inf",event="offer"}')).toBe(1);
  });

  it('keeps two servers in one process apart: each has its own registry', async () => {
    const first = createPrometheusMetrics({ processMetrics: false });
    const second = createPrometheusMetrics({ processMetrics: false });
    const one = await startServer({ metrics: first, metricsToken: METRICS_TOKEN });
    const two = await startServer({ metrics: second, metricsToken: METRICS_TOKEN });
    await joined(one.server.url, one.certPem);
    const auth = { Authorization: `Bearer ${METRICS_TOKEN}` };
    await expect
      .poll(async () =>
        sample(
          (await get(one.server.port, one.certPem, '/metrics', auth)).body,
          'appel_connections',
        ),
      )
      .toBe(1);
    const other = await get(two.server.port, two.certPem, '/metrics', auth);
    expect(sample(other.body, 'appel_connections')).toBe(0);
  });
});

describe('logs', () => {
  it('writes JSON lines to stderr: one per connection event, no key, no SDP', async () => {
    const cli = await startCli(['--access-key', ACCESS_KEY], { APPEL_LOG_LEVEL: 'info' });
    const key = newRoomKey();
    const auth = { room: 'secrets', key, accessKey: ACCESS_KEY };
    const a = await joined(cli.url, cli.certPem, { ...auth, name: 'Ann' });
    const b = await joined(cli.url, cli.certPem, { ...auth, name: 'Bob' });
    const offer = sampleOffer(7);
    const relayed = nextEvent(b.socket, Events.offer);
    await send(a.socket, Events.offer, { offer, to: b.id });
    await relayed;
    a.socket.disconnect();
    await expect.poll(() => cli.stderr()).toContain('"msg":"disconnect"');

    const lines = cli.logLines();
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect([typeof line.level, typeof line.time]).toEqual(['string', 'string']);
      expect(line.ns).toMatch(/^appel:/);
    }
    const connects = lines.filter((line) => line.msg === 'connect');
    expect(connects.map((line) => line.id)).toEqual([a.id, b.id]);
    expect(connects[0]).toMatchObject({ ns: 'appel:server', level: 'info', room: 'secrets' });
    expect(lines.filter((line) => line.msg === 'relay')).toEqual([]);
    const text = cli.stderr();
    for (const secret of [key, ACCESS_KEY, sampleSdp(7).split('\r\n')[1], 'a=ice-pwd']) {
      expect(text).not.toContain(secret);
    }
  });

  it('--log-level debug adds one line per relayed message, still without keys or SDP', async () => {
    const cli = await startCli(['--log-level', 'debug', '--access-key', ACCESS_KEY]);
    const key = newRoomKey();
    const auth = { room: 'debug', key, accessKey: ACCESS_KEY };
    const a = await joined(cli.url, cli.certPem, auth);
    const b = await joined(cli.url, cli.certPem, auth);
    const relayed = nextEvent(b.socket, Events.offer);
    await send(a.socket, Events.offer, { offer: sampleOffer(8), to: b.id });
    await relayed;
    await expect.poll(() => cli.stderr()).toContain('"msg":"relay"');
    const relays = cli.logLines().filter((line) => line.msg === 'relay');
    expect(relays).toEqual([expect.objectContaining({ level: 'debug', event: 'offer' })]);
    for (const secret of [key, ACCESS_KEY, 'a=ice-pwd', 'v=0']) {
      expect(cli.stderr()).not.toContain(secret);
    }
  });

  it('--log-format text writes text lines; APPEL_LOG=silent writes nothing', async () => {
    const text = await startCli(['--log-format', 'text']);
    await joined(text.url, text.certPem);
    await expect.poll(() => text.stderr()).toMatch(/^\S+ info appel:server connect id=/m);
    const silent = await startCli([], { APPEL_LOG: 'silent' });
    await joined(silent.url, silent.certPem);
    silent.child.kill('SIGTERM');
    expect(await silent.exited).toEqual({ code: 0, signal: null });
    expect(silent.stderr()).toBe('');
  });
});

describe('shutdown on SIGTERM', () => {
  it('tells every client going-away, closes transports (so clients reconnect) and exits 0 in time', async () => {
    const cli = await startCli(['--shutdown-timeout', '4']);
    const reconnecting = await joined(cli.url, cli.certPem, {}, true);
    const plain = await joined(cli.url, cli.certPem);
    const notices = [reconnecting, plain].map(({ socket }) => nextEvent(socket, Events.closing));
    const reason = nextEvent(reconnecting.socket, 'disconnect');
    const started = performance.now();
    cli.child.kill('SIGTERM');
    for (const notice of await Promise.all(notices)) {
      expect(parseClosingNotice(notice)).toMatchObject({ code: 'going-away' });
    }
    // "transport close" keeps socket.io-client reconnecting; "io server disconnect" would not.
    expect(await reason).toBe('transport close');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(performance.now() - started).toBeLessThan(4000);
    const messages = cli.logLines().map((line) => line.msg);
    expect(messages).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
    // The reconnecting client tries again (the next node, behind a balancer).
    await new Promise((resolve) => reconnecting.socket.io.once('reconnect_attempt', resolve));
  });

  it('cuts connections that do not leave and still exits within --shutdown-timeout', async () => {
    const cli = await startCli(['--shutdown-timeout', '2', '--log-level', 'info']);
    // A client stuck halfway through its request headers holds its connection open.
    const stuck = connectTls({ host: '127.0.0.1', port: cli.port, ca: cli.certPem });
    onTestFinished(() => {
      stuck.destroy();
    });
    await new Promise<void>((resolve) => stuck.once('secureConnect', () => resolve()));
    stuck.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    stuck.on('error', () => undefined);
    const started = performance.now();
    cli.child.kill('SIGTERM');
    const exit = await cli.exited;
    const elapsed = performance.now() - started;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(elapsed).toBeLessThan(2000);
    expect(elapsed).toBeGreaterThan(900);
    expect(cli.logLines().map((line) => line.msg)).toContain(
      'shutdown deadline reached: cutting connections',
    );
  });
});

/** A value each kind of flag accepts, by its placeholder. */
function sampleValue(spec: FlagSpec, dir: string): string {
  const byFlag: Record<string, string> = {
    '--host': '127.0.0.1',
    '--port': '9443',
    '--log-level': 'warn',
    '--log-format': 'text',
    '--turn-urls': 'turn:127.0.0.1:3478',
    '--stun-urls': 'stun:127.0.0.1:3478',
    '--redis': 'redis://127.0.0.1:6379',
  };
  const byPlaceholder: Record<string, string> = {
    N: '7',
    MS: '7000',
    SECONDS: '3600',
    DIR: dir,
    FILE: join(dir, 'file.pem'),
    KEY: 'k'.repeat(20),
    TOKEN: 't'.repeat(20),
    SECRET: 's'.repeat(32),
    ORIGIN: 'https://app.example',
  };
  const value = byFlag[spec.flag] ?? byPlaceholder[spec.value];
  if (value === undefined) {
    throw new Error(`no sample value for ${spec.flag} ${spec.value}: add one to this test`);
  }
  return value;
}

/** Settings a flag needs beside it to be valid, given the same way in both runs. */
const COMPANIONS: Record<string, Record<string, string>> = {
  '--cert': { APPEL_KEY: 'key.pem' },
  '--key': { APPEL_CERT: 'cert.pem' },
  '--turn-secret': { APPEL_TURN_URLS: 'turn:127.0.0.1:3478' },
  '--turn-ttl': { APPEL_TURN_URLS: 'turn:127.0.0.1:3478', APPEL_TURN_SECRET: 's'.repeat(32) },
  '--turn-urls': { APPEL_TURN_SECRET: 's'.repeat(32) },
};

describe('every flag has an environment variable', () => {
  const parse = (argv: string[], env: NodeJS.ProcessEnv): CliCommand | Error => {
    try {
      return parseCli(argv, env);
    } catch (error) {
      return error as Error;
    }
  };

  it.each(Object.values(FLAGS) as FlagSpec[])('$flag and $env set the same thing', async (spec) => {
    const dir = await tempDir();
    const value = sampleValue(spec, dir);
    const companions = COMPANIONS[spec.flag] ?? {};
    expect(spec.env).toMatch(/^APPEL_[A-Z_]+$/);
    const fromFlag = parse([spec.flag, value], companions);
    const fromEnv = parse([], { ...companions, [spec.env]: value });
    expect(fromFlag).not.toBeInstanceOf(Error);
    expect(fromEnv).toEqual(fromFlag);
    expect(parse([], companions)).not.toEqual(fromFlag);
  });

  it.each(Object.values(SWITCHES))('$flag and $env=0 set the same thing', (spec) => {
    const fromFlag = parse([spec.flag], {});
    expect(parse([], { [spec.env]: '0' })).toEqual(fromFlag);
    expect(parse([], {})).not.toEqual(fromFlag);
  });

  it('names a distinct variable per setting, and --help shows each', () => {
    const variables = [...Object.values(FLAGS), ...Object.values(SWITCHES)].map((s) => s.env);
    expect(new Set(variables).size).toBe(variables.length);
    const help = parseCli(['--help'], {});
    expect(help.kind).toBe('help');
  });

  it('the new operations variables work through the real process', async () => {
    const cli = await startCli([], {
      APPEL_LOG_LEVEL: 'warn',
      APPEL_LOG_FORMAT: 'json',
      APPEL_METRICS_TOKEN: METRICS_TOKEN,
      APPEL_SHUTDOWN_TIMEOUT: '3',
    });
    await joined(cli.url, cli.certPem);
    const auth = { Authorization: `Bearer ${METRICS_TOKEN}` };
    expect((await get(cli.port, cli.certPem, '/metrics', auth)).status).toBe(200);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stderr()).toBe(''); // warn: connection events are info
  });
});

describe('bin/appel-signal.js in a fresh checkout', () => {
  /** The checkout as `git clone` + `npm install` leave it: sources, no dist/. */
  async function freshCheckout(nodeModules: 'all' | 'production'): Promise<string> {
    const dir = await tempDir('appel-fresh-');
    const skip = new Set([
      'node_modules',
      'dist',
      'dist-electron',
      'release',
      'test-results',
      '.git',
    ]);
    await cp(repoRoot, dir, {
      recursive: true,
      filter: (source) => !skip.has(source.slice(repoRoot.length).split('/')[0] ?? ''),
    });
    if (nodeModules === 'all') {
      await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
    } else {
      // `npm install --omit=dev`: the runtime dependencies, no TypeScript, no Vite.
      const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      };
      for (const name of Object.keys(pkg.dependencies)) {
        const target = join(dir, 'node_modules', name);
        await mkdir(join(target, '..'), { recursive: true });
        await symlink(join(repoRoot, 'node_modules', name), target, 'dir');
      }
    }
    return dir;
  }

  it('builds the server and the page on first run, once, then serves', async () => {
    const dir = await freshCheckout('all');
    expect(existsSync(join(dir, 'dist'))).toBe(false);
    const bin = join(dir, 'bin', 'appel-signal.js');
    const first = await startCli([], { APPEL_LOG: 'silent' }, bin);
    expect(first.stderr()).toBe(
      'appel-signal: first run: building the server (takes a few seconds)\n' +
        'appel-signal: first run: building the call page (takes a few seconds)\n',
    );
    expect(existsSync(join(dir, 'dist', 'server', 'signaling-server', 'cli.js'))).toBe(true);
    const page = await get(first.port, first.certPem, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<!doctype html>');
    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });

    const second = await startCli([], { APPEL_LOG: 'silent' }, bin);
    expect(second.stderr()).toBe('');
  }, 60_000);

  it('says in one line what to do when installed without the build tools', async () => {
    const dir = await freshCheckout('production');
    const child = spawn(process.execPath, [join(dir, 'bin', 'appel-signal.js'), '--help'], {
      cwd: dir,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/TypeScript is not installed \(npm install --omit=dev\?\)/);
    expect(stderr).toContain('npm install && npm run build');
  });
});
