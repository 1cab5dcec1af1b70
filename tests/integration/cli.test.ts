/**
 * `appel-signal` as a user runs it: the compiled CLI through bin/appel-signal.js, one stdout line,
 * a real client connecting, clean exits on signals, one-line errors with the right exit codes.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connectClient, type Socket } from 'socket.io-client';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../common/csp.js';
import {
  connectErrorCode,
  Events,
  newRoomKey,
  type HandshakeAuth,
  type PeerList,
} from '../../common/protocol.js';
import { fingerprintOf } from '../../signaling-server/tls.js';
import {
  appelSignalBin,
  LISTENING_LINE,
  repoRoot,
  startAppelSignal,
} from '../support/appel-signal.js';
import { nextEvent } from '../support/server-harness.js';

const compiledCli = join(repoRoot, 'dist', 'server', 'signaling-server', 'cli.js');

beforeAll(() => {
  if (!existsSync(compiledCli)) {
    throw new Error(
      `${compiledCli} is missing: run \`npm run build\` (or \`npx tsc -p tsconfig.server.json\`) first`,
    );
  }
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'appel-cli-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs the CLI to completion (for --help, errors): no APPEL_* variables leak in from outside. */
function runCli(args: string[], env: NodeJS.ProcessEnv = {}, bin = appelSignalBin): Promise<Run> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: repoRoot,
    env: { ...cleanEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ stdout, stderr, code, signal }));
  });
}

function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('APPEL_')),
  );
}

/** Starts the CLI and waits for its line; `finished` settles when it exits. */
async function startCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [appelSignalBin, ...args], {
    cwd: repoRoot,
    env: { ...cleanEnv(), APPEL_LOG: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const finished = new Promise<Run>((resolve) => {
    child.once('close', (code, signal) => resolve({ stdout, stderr, code, signal }));
  });
  const line = await new Promise<RegExpExecArray>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = LISTENING_LINE.exec(stdout.split('\n')[0] ?? '');
      if (match && stdout.includes('\n')) resolve(match);
    });
    void finished.then((run) => reject(new Error(`exited early: ${run.stderr}`)));
  });
  return {
    child,
    url: line[1] as string,
    fingerprint: line[2] as string,
    finished,
    output: () => stdout,
  };
}

function connect(
  url: string,
  certPem: string,
  auth?: HandshakeAuth,
  extraHeaders?: Record<string, string>,
): Socket {
  const socket = connectClient(url, {
    transports: ['websocket'],
    ca: certPem,
    forceNew: true,
    reconnection: false,
    ...(auth !== undefined && { auth: { ...auth } }),
    ...(extraHeaders !== undefined && { extraHeaders }),
  });
  onTestFinished(() => {
    socket.disconnect();
  });
  return socket;
}

/** A port that is taken for the rest of the test. */
async function busyPort(): Promise<number> {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const address = blocker.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

function expectOneLine(text: string): void {
  expect(text.endsWith('\n')).toBe(true);
  expect(text.trimEnd().split('\n')).toHaveLength(1);
  expect(text).not.toMatch(/^\s+at /m); // no stack trace
}

describe('appel-signal', () => {
  it('prints one line with its URL and fingerprint, and a real client connects', async () => {
    const server = await startAppelSignal();
    onTestFinished(() => server.stop());
    expect(server.url).toBe(`https://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    expect(server.fingerprint).toBe(fingerprintOf(server.certPem));
    expect(server.certPem).toBe(await readFile(join(server.dataDir, 'cert.pem'), 'utf8'));

    const socket = connect(server.url, server.certPem);
    const id = await nextEvent(socket, Events.newUser);
    expect(id).toBe(socket.id);
  });

  it('startAppelSignal rejects with the CLI error when it cannot start', async () => {
    await expect(startAppelSignal({ args: ['--max-connections', 'lots'] })).rejects.toThrow(
      /--max-connections must be an integer/,
    );
  });

  it('keeps its fingerprint across restarts with the same data dir', async () => {
    const dataDir = await tempDir();
    const first = await startAppelSignal({ dataDir });
    await first.stop();
    const second = await startAppelSignal({ dataDir });
    onTestFinished(() => second.stop());
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(existsSync(dataDir)).toBe(true);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'exits 0 on %s, having printed one line',
    async (signal) => {
      const dataDir = await tempDir();
      const cli = await startCli(['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir]);
      const certPem = await readFile(join(dataDir, 'cert.pem'), 'utf8');
      expect(cli.fingerprint).toBe(fingerprintOf(certPem));
      const socket = connect(cli.url, certPem);
      await nextEvent(socket, Events.newUser);
      const disconnected = nextEvent(socket, 'disconnect');
      cli.child.kill(signal);
      const run = await cli.finished;
      expect(run.code).toBe(0);
      expectOneLine(cli.output());
      await disconnected;
    },
  );

  it('--no-default-room refuses a client that names no room, before it learns anything', async () => {
    const server = await startAppelSignal({ args: ['--no-default-room'] });
    onTestFinished(() => server.stop());
    const tutorial = connect(server.url, server.certPem);
    const received: string[] = [];
    tutorial.onAny((event: string) => received.push(event));
    const error = await nextEvent(tutorial, 'connect_error');
    expect(connectErrorCode(error)).toBe('unauthorized');
    expect(received).toEqual([]);
    // Open rooms still work: the first joiner makes one.
    const invited = connect(server.url, server.certPem, { room: 'team', key: newRoomKey() });
    expect(await nextEvent(invited, Events.peerList)).toMatchObject({ room: 'team', peers: [] });
  });

  it('APPEL_OPEN_ROOMS=0 refuses unknown rooms; the default room stays', async () => {
    const server = await startAppelSignal({ env: { APPEL_OPEN_ROOMS: '0' } });
    onTestFinished(() => server.stop());
    const guessing = connect(server.url, server.certPem, { room: 'team', key: newRoomKey() });
    expect(connectErrorCode(await nextEvent(guessing, 'connect_error'))).toBe('unauthorized');
    const tutorial = connect(server.url, server.certPem);
    expect(await nextEvent(tutorial, Events.newUser)).toBe(tutorial.id);
  });

  it('--access-key and --allowed-origin gate the handshake', async () => {
    const accessKey = 'a-very-long-access-key';
    const server = await startAppelSignal({
      args: ['--allowed-origin', 'https://app.example', '--max-connections-per-address', '3'],
      env: { APPEL_ACCESS_KEY: accessKey },
    });
    onTestFinished(() => server.stop());
    const without = connect(server.url, server.certPem);
    expect(connectErrorCode(await nextEvent(without, 'connect_error'))).toBe('unauthorized');
    const foreign = connect(
      server.url,
      server.certPem,
      { accessKey },
      { Origin: 'https://x.example' },
    );
    expect(connectErrorCode(await nextEvent(foreign, 'connect_error'))).toBe('forbidden');
    const allowed = connect(
      server.url,
      server.certPem,
      { accessKey },
      { Origin: 'https://app.example' },
    );
    await nextEvent(allowed, Events.newUser);
    await nextEvent(connect(server.url, server.certPem, { accessKey }), Events.newUser);
    await nextEvent(connect(server.url, server.certPem, { accessKey }), Events.newUser);
    const fourth = connect(server.url, server.certPem, { accessKey });
    expect(connectErrorCode(await nextEvent(fourth, 'connect_error'))).toBe('too-many-connections');
  });

  it('reads its settings from the environment', async () => {
    const dataDir = await tempDir();
    const cli = await startCli([], {
      APPEL_HOST: '127.0.0.1',
      APPEL_PORT: '0',
      APPEL_DATA_DIR: dataDir,
    });
    onTestFinished(() => {
      cli.child.kill('SIGTERM');
    });
    expect(cli.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(existsSync(join(dataDir, 'key.pem'))).toBe(true);
  });

  it('uses a user-provided certificate and serves a static dir with the CSP', async () => {
    const dir = await tempDir();
    const seed = await startAppelSignal({ dataDir: join(dir, 'seed') });
    await seed.stop();
    const page = join(dir, 'page');
    await mkdir(page);
    await writeFile(join(page, 'index.html'), '<!doctype html><title>call</title>');
    const server = await startAppelSignal({
      args: [
        '--cert',
        join(dir, 'seed', 'cert.pem'),
        '--key',
        join(dir, 'seed', 'key.pem'),
        '--static-dir',
        page,
      ],
    });
    onTestFinished(() => server.stop());
    expect(server.fingerprint).toBe(seed.fingerprint);
    const response = await new Promise<{ csp: unknown; body: string }>((resolve, reject) => {
      request(`${server.url}/`, { ca: server.certPem }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ csp: res.headers['content-security-policy'], body }));
      })
        .on('error', reject)
        .end();
    });
    expect(response.body).toContain('<title>call</title>');
    expect(response.csp).toBe(CONTENT_SECURITY_POLICY);
  });

  it('--help lists every flag with its environment variable and default', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    const flags = [
      ['--host', 'APPEL_HOST', '0.0.0.0'],
      ['--port', 'APPEL_PORT', '8443'],
      ['--data-dir', 'APPEL_DATA_DIR', '.local/share/appel-signal'],
      ['--cert', 'APPEL_CERT', ''],
      ['--key', 'APPEL_KEY', ''],
      ['--static-dir', 'APPEL_STATIC_DIR', 'dist/renderer'],
      ['--max-connections', 'APPEL_MAX_CONNECTIONS', '500'],
      ['--max-payload-bytes', 'APPEL_MAX_PAYLOAD_BYTES', '65536'],
      ['--events-per-second', 'APPEL_EVENTS_PER_SECOND', '100'],
      ['--max-connections-per-address', 'APPEL_MAX_CONNECTIONS_PER_ADDRESS', '20'],
      ['--access-key', 'APPEL_ACCESS_KEY', 'none'],
      ['--allowed-origin', 'APPEL_ALLOWED_ORIGINS', "server's own page"],
      ['--log-level', 'APPEL_LOG_LEVEL', 'info'],
      ['--log-format', 'APPEL_LOG_FORMAT', 'json'],
      ['--metrics-token', 'APPEL_METRICS_TOKEN', 'no /metrics'],
      ['--shutdown-timeout', 'APPEL_SHUTDOWN_TIMEOUT', '10'],
      ['--turn-secret', 'APPEL_TURN_SECRET', 'none (no TURN)'],
      ['--turn-urls', 'APPEL_TURN_URLS', ''],
      ['--turn-ttl', 'APPEL_TURN_TTL', '86400'],
      ['--stun-urls', 'APPEL_STUN_URLS', ''],
    ];
    for (const [flag, env, fallback] of flags) {
      expect(run.stdout).toContain(`${flag} `);
      expect(run.stdout).toContain(`env ${env};`);
      expect(run.stdout).toContain(fallback);
    }
    for (const [flag, env] of [
      ['--no-default-room', 'APPEL_DEFAULT_ROOM=0;'],
      ['--no-open-rooms', 'APPEL_OPEN_ROOMS=0;'],
    ]) {
      expect(run.stdout).toContain(`  ${flag} `);
      expect(run.stdout).toContain(`env ${env}`);
    }
    expect(run.stdout).toContain('--help');
    expect(run.stdout).toContain('--version');
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    const run = await runCli(['--version']);
    expect(run).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it.each([
    [['--bogus'], /unknown option --bogus/],
    [['--port', 'abc'], /--port must be an integer/],
    [['--port', '70000'], /--port must be an integer from 0 to 65535/],
    [['--port'], /--port/],
    [['--max-connections', '0'], /--max-connections must be an integer/],
    [['--cert', 'cert.pem'], /--cert and --key must be given together/],
    [['--static-dir', '/nonexistent/appel'], /static directory .* does not exist/],
    [['serve'], /unexpected argument "serve"/],
    [['--max-connections-per-address', '0'], /--max-connections-per-address must be an integer/],
    [['--allowed-origin', 'evil.example'], /--allowed-origin: "evil.example" is not an origin/],
    [['--allowed-origin', 'https://a.example/path'], /is not an origin like https:\/\/host:port/],
    [['--no-default-room', '--no-open-rooms'], /would admit nobody/],
    [['--no-default-room=yes'], /--no-default-room/],
    [['--turn-urls', 'turn:127.0.0.1:3478'], /--turn-urls needs --turn-secret/],
    [['--turn-secret', 'a-long-enough-turn-secret'], /--turn-secret needs --turn-urls/],
    [['--turn-ttl', '600'], /--turn-ttl needs --turn-urls/],
    [
      ['--turn-secret', 'a-long-enough-turn-secret', '--turn-urls', 'http://turn.example'],
      /--turn-urls: "http:\/\/turn\.example" is not a turn: or turns: URL/,
    ],
    [
      ['--turn-secret', 'a-long-enough-turn-secret', '--turn-urls', 'turn:a.example,'],
      /--turn-urls holds an empty URL/,
    ],
    [
      [
        '--turn-secret',
        'a-long-enough-turn-secret',
        '--turn-urls',
        'turn:a.example',
        '--turn-ttl',
        '30',
      ],
      /--turn-ttl must be an integer from 60 to 604800/,
    ],
    [['--stun-urls', 'turn:a.example'], /--stun-urls: "turn:a\.example" is not a stun: URL/],
  ])('exits 2 with one line on bad usage: %j', async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expectOneLine(run.stderr);
    expect(run.stderr).toMatch(/^appel-signal: /);
    expect(run.stderr).toMatch(message);
  });

  it('puts TURN credentials minted from --turn-* or APPEL_TURN_* in the welcome', async () => {
    const secret = 'a-long-enough-turn-secret';
    for (const options of [
      { args: ['--turn-secret', secret, '--turn-urls', 'turn:127.0.0.1:3478?transport=udp'] },
      {
        env: {
          APPEL_TURN_SECRET: secret,
          APPEL_TURN_URLS: 'turn:127.0.0.1:3478?transport=udp, turns:127.0.0.1:5349',
          APPEL_TURN_TTL: '600',
          APPEL_STUN_URLS: 'stun:127.0.0.1:3478',
        },
      },
    ]) {
      const server = await startAppelSignal(options);
      onTestFinished(() => server.stop());
      const socket = connect(server.url, server.certPem, { name: 'Ana' });
      const list = (await nextEvent(socket, Events.peerList)) as PeerList;
      const turn = list.iceServers?.find((entry) => entry.username !== undefined);
      const [expiry, identity] = (turn?.username ?? '').split(':');
      expect(identity).toBe(socket.id);
      const ttl = options.env ? 600 : 86_400;
      expect(Number(expiry) - Date.now() / 1000).toBeGreaterThan(ttl - 30);
      expect(Number(expiry) - Date.now() / 1000).toBeLessThanOrEqual(ttl);
      expect(turn?.credential).toMatch(/^[A-Za-z0-9+/]{27}=$/);
      expect(list.iceServers?.map((entry) => entry.urls)).toEqual(
        options.env
          ? [['stun:127.0.0.1:3478'], ['turn:127.0.0.1:3478?transport=udp', 'turns:127.0.0.1:5349']]
          : [['turn:127.0.0.1:3478?transport=udp']],
      );
    }
  });

  it('refuses a bad TURN secret without echoing it', async () => {
    for (const [args, env, source] of [
      [['--turn-secret', 'hunter2-turn', '--turn-urls', 'turn:a.example'], {}, '--turn-secret'],
      [
        ['--turn-urls', 'turn:a.example'],
        { APPEL_TURN_SECRET: 'hunter2 turn secret' },
        'APPEL_TURN_SECRET',
      ],
    ] as const) {
      const run = await runCli([...args], env);
      expect(run.code).toBe(2);
      expectOneLine(run.stderr);
      expect(run.stderr).toContain(`${source} must be`);
      expect(run.stderr).not.toContain('hunter2');
    }
  });

  it('refuses a Redis URL that is not one without echoing it', async () => {
    for (const [args, env, source] of [
      [['--redis', 'http://:hunter2@127.0.0.1:6379'], {}, '--redis'],
      [[], { APPEL_REDIS_URL: 'hunter2@nowhere' }, 'APPEL_REDIS_URL'],
    ] as const) {
      const run = await runCli([...args], env);
      expect(run.code).toBe(2);
      expectOneLine(run.stderr);
      expect(run.stderr).toContain(`${source} must be a URL like redis://host:6379`);
      expect(run.stderr).not.toContain('hunter2');
    }
  });

  it.each([
    ['APPEL_MAX_ROOM_MEMBERS', '0'],
    ['APPEL_HANDSHAKE_TIMEOUT_MS', '5'],
    ['APPEL_ABUSE_LIMIT', 'lots'],
  ])('exits 2 on a bad load limit %s', async (variable, value) => {
    const run = await runCli([], { [variable]: value });
    expect(run.code).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr).toContain(variable);
  });

  it('refuses a short access key without echoing it', async () => {
    for (const [args, env, source] of [
      [['--access-key', 'hunter2-secret'], {}, '--access-key'],
      [[], { APPEL_ACCESS_KEY: 'hunter2-secret' }, 'APPEL_ACCESS_KEY'],
    ] as const) {
      const run = await runCli([...args], env);
      expect(run.code).toBe(2);
      expectOneLine(run.stderr);
      expect(run.stderr).toContain(`${source} must be 16 to 256 characters`);
      expect(run.stderr).not.toContain('hunter2');
    }
  });

  it.each([
    ['APPEL_DEFAULT_ROOM', 'maybe'],
    ['APPEL_OPEN_ROOMS', '2'],
    ['APPEL_ALLOWED_ORIGINS', 'https://ok.example,ftp://x'],
    ['APPEL_MAX_CONNECTIONS_PER_ADDRESS', 'many'],
  ])('exits 2 on a bad %s', async (variable, value) => {
    const run = await runCli([], { [variable]: value });
    expect(run.code).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr).toContain(variable);
  });

  it('exits 2 on a bad environment value, naming the variable', async () => {
    const run = await runCli([], { APPEL_PORT: 'eighty' });
    expect(run.code).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr).toMatch(/APPEL_PORT must be an integer/);
  });

  it('exits 1 with one line when the port is in use', async () => {
    const port = await busyPort();
    const dataDir = await tempDir();
    const run = await runCli(
      ['--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir],
      { APPEL_LOG: 'silent' },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expectOneLine(run.stderr);
    expect(run.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}: the port is already in use`));
  });

  it('exits 1 with one line when the certificate cannot be read', async () => {
    const dir = await tempDir();
    const run = await runCli(
      [
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--cert',
        join(dir, 'c.pem'),
        '--key',
        join(dir, 'k.pem'),
      ],
      { APPEL_LOG: 'silent' },
    );
    expect(run.code).toBe(1);
    expectOneLine(run.stderr);
    expect(run.stderr).toMatch(/Cannot read the certificate file .*c\.pem: no such file/);
  });

  it('tells the user to build when dist/server/signaling-server/cli.js is missing', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'bin'));
    const bin = join(dir, 'bin', 'appel-signal.js');
    await copyFile(appelSignalBin, bin);
    await writeFile(join(dir, 'package.json'), '{"type":"module"}');
    const run = await runCli(['--help'], {}, bin);
    expect(run.code).toBe(1);
    expectOneLine(run.stderr);
    expect(run.stderr).toMatch(/npm run build/);
  });
});
