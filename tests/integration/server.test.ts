/**
 * The signaling server over real HTTPS with real socket.io-client sockets: the tutorial's
 * protocol, relaying to one peer only, `from` stamping, acks, every refusal, limits, the page.
 */
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  Events,
  RELAY_EVENTS,
  type RelayedCandidate,
  type RelayedOffer,
} from '../../signaling-server/protocol.js';
import { createLogger, silentLogger, type Logger } from '../../signaling-server/log.js';
import { CONTENT_SECURITY_POLICY, createSignalingServer } from '../../signaling-server/server.js';
import {
  getTestCertificate,
  httpsGet,
  nextEvent,
  recordEvents,
  send,
  sendWithoutAck,
  startServer,
  type Harness,
} from '../support/server-harness.js';
import { repoRoot } from '../support/appel-signal.js';
import {
  sampleAnswer,
  sampleCandidate,
  sampleOffer,
  sampleSdp,
} from '../support/signaling-fixtures.js';

async function threePeers(harness: Harness) {
  const a = await harness.connect();
  const b = await harness.connect();
  const c = await harness.connect();
  return { a, b, c };
}

describe('connection events', () => {
  it('sends newUser with the own id, then the peer list; announces joins and leaves', async () => {
    const harness = await startServer();
    const a = await harness.connect();
    expect(a.id).toBe(a.socket.id);
    expect(a.peers).toEqual([]);

    const joined = nextEvent(a.socket, Events.peerJoined);
    const b = await harness.connect();
    expect(b.id).toBe(b.socket.id);
    expect(b.peers).toEqual([a.id]);
    expect(await joined).toEqual({ id: b.id });

    const left = nextEvent(a.socket, Events.peerLeft);
    b.socket.disconnect();
    expect(await left).toEqual({ id: b.id });
  });
});

describe('relay', () => {
  it('relays offer, answer and candidate to `to` only, with `from` stamped by the server', async () => {
    const harness = await startServer();
    const { a, b, c } = await threePeers(harness);
    const seenByC = recordEvents(c.socket);

    const offer = nextEvent(b.socket, Events.offer);
    expect(await send(a.socket, Events.offer, { offer: sampleOffer(1), to: b.id })).toEqual({
      ok: true,
    });
    expect(await offer).toEqual({ offer: sampleOffer(1), from: a.id });

    const answer = nextEvent(a.socket, Events.answer);
    expect(await send(b.socket, Events.answer, { answer: sampleAnswer(2), to: a.id })).toEqual({
      ok: true,
    });
    expect(await answer).toEqual({ answer: sampleAnswer(2), from: b.id });

    const candidate = nextEvent(b.socket, Events.candidate);
    expect(
      await send(a.socket, Events.candidate, { candidate: sampleCandidate(3), to: b.id }),
    ).toEqual({ ok: true });
    expect(await candidate).toEqual({ candidate: sampleCandidate(3), from: a.id });

    // Events to one socket arrive in order: if C got this marker first, nothing came before it.
    const marker = nextEvent(c.socket, Events.hangUp);
    expect(await send(a.socket, Events.hangUp, { to: c.id })).toEqual({ ok: true });
    expect(await marker).toEqual({ from: a.id });
    expect(seenByC).toEqual([{ event: Events.hangUp, payload: { from: a.id } }]);
  });

  it('stamps `from` even when the client forges one, and drops unknown fields', async () => {
    const harness = await startServer();
    const { a, b, c } = await threePeers(harness);
    const offer = nextEvent(b.socket, Events.offer);
    const ack = await send(a.socket, Events.offer, {
      offer: { ...sampleOffer(7), extra: 'x' },
      to: b.id,
      from: c.id,
      admin: true,
    });
    expect(ack).toEqual({ ok: true });
    const relayed = (await offer) as RelayedOffer;
    expect(relayed).toEqual({ offer: sampleOffer(7), from: a.id });
  });

  it('takes the ack as the last argument, whatever comes between', async () => {
    const harness = await startServer();
    const a = await harness.connect();
    const b = await harness.connect();
    const candidate = nextEvent(b.socket, Events.candidate);
    const ack = await send(
      a.socket,
      Events.candidate,
      { candidate: sampleCandidate(9), to: b.id },
      'extra',
      42,
      { more: true },
    );
    expect(ack).toEqual({ ok: true });
    expect(((await candidate) as RelayedCandidate).candidate).toEqual(sampleCandidate(9));
  });

  it('relays tutorial-style events sent without an ack', async () => {
    const harness = await startServer();
    const a = await harness.connect();
    const b = await harness.connect();
    const offer = nextEvent(b.socket, Events.offer);
    a.socket.emit(Events.offer, { offer: sampleOffer(4), to: b.id });
    expect(await offer).toEqual({ offer: sampleOffer(4), from: a.id });
  });
});

describe('refusals', () => {
  const big = 'v=0\r\n' + 'a=x-padding:'.padEnd(70_000, 'x') + '\r\n';
  const cases: [string, string, unknown[], string][] = [
    ['no payload', Events.offer, [], 'invalid-payload'],
    ['null', Events.offer, [null], 'invalid-payload'],
    ['a number', Events.answer, [42], 'invalid-payload'],
    ['a string', Events.candidate, ['candidate:1 1 udp 1 127.0.0.1 9 typ host'], 'invalid-payload'],
    ['an array', Events.offer, [[sampleOffer(), 'peer']], 'invalid-payload'],
    ['a missing `to`', Events.offer, [{ offer: sampleOffer() }], 'invalid-payload'],
    ['a non-string `to`', Events.offer, [{ offer: sampleOffer(), to: 5 }], 'invalid-payload'],
    ['an unknown peer', Events.offer, [{ offer: sampleOffer(), to: 'nobody' }], 'unknown-peer'],
    ['an unknown peer (hang-up)', Events.hangUp, [{ to: 'nobody' }], 'unknown-peer'],
    [
      'an sdp of the wrong type',
      Events.offer,
      [{ offer: sampleAnswer(), to: '$B' }],
      'invalid-payload',
    ],
    [
      'an sdp that is not v=0',
      Events.answer,
      [{ answer: { type: 'answer', sdp: 'hello' }, to: '$B' }],
      'invalid-payload',
    ],
    [
      'a non-string sdp',
      Events.offer,
      [{ offer: { type: 'offer', sdp: 12 }, to: '$B' }],
      'invalid-payload',
    ],
    ['a string as sdp', Events.offer, [{ offer: sampleSdp(), to: '$B' }], 'invalid-payload'],
    [
      'a candidate of the wrong shape',
      Events.candidate,
      [{ candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', to: '$B' }],
      'invalid-payload',
    ],
    [
      'a candidate line that is not one',
      Events.candidate,
      [{ candidate: { candidate: 'evil', sdpMid: '0' }, to: '$B' }],
      'invalid-payload',
    ],
    [
      'a candidate with a bad sdpMLineIndex',
      Events.candidate,
      [{ candidate: { ...sampleCandidate(), sdpMLineIndex: -1 }, to: '$B' }],
      'invalid-payload',
    ],
    [
      'an oversized payload (> 64 KiB, < 1 MB)',
      Events.offer,
      [{ offer: { type: 'offer', sdp: big }, to: '$B' }],
      'too-large',
    ],
    ['sending to oneself', Events.hangUp, [{ to: '$A' }], 'invalid-payload'],
    ['an unknown event', 'chat:message', [{ text: 'hi', to: '$B' }], 'invalid-payload'],
  ];

  it.each(cases)('answers %s with %s and keeps serving', async (_name, event, args, code) => {
    const harness = await startServer();
    const a = await harness.connect();
    const b = await harness.connect();
    const c = await harness.connect();
    const seenByB = recordEvents(b.socket);
    // "$A"/"$B" stand for the real ids, known only once connected.
    const withIds = JSON.parse(
      JSON.stringify(args)
        .replaceAll('"$A"', JSON.stringify(a.id))
        .replaceAll('"$B"', JSON.stringify(b.id)),
    ) as unknown[];
    const ack = await send(a.socket, event, ...withIds);
    expect(ack).toMatchObject({ ok: false, code });
    expect(ack.ok === false && ack.message.length).toBeGreaterThan(0);
    // Same, without an ack: nothing to answer, nothing crashes.
    sendWithoutAck(a.socket, event, ...withIds);

    // The offender is still connected and can still relay, and other clients too.
    expect(a.socket.connected).toBe(true);
    const fromC = nextEvent(b.socket, Events.candidate);
    expect(
      await send(c.socket, Events.candidate, { candidate: sampleCandidate(5), to: b.id }),
    ).toEqual({ ok: true });
    expect(await fromC).toEqual({ candidate: sampleCandidate(5), from: c.id });
    const fromA = nextEvent(b.socket, Events.hangUp);
    expect(await send(a.socket, Events.hangUp, { to: b.id })).toEqual({ ok: true });
    await fromA;
    // B got exactly the two good events: nothing of the refused ones leaked through.
    const relayedToB = seenByB
      .map(({ event: name }) => name)
      .filter((name) => (RELAY_EVENTS as readonly string[]).includes(name));
    expect(relayedToB).toEqual([Events.candidate, Events.hangUp]);
    expect(a.socket.connected).toBe(true);
  });

  it('answers rate-limited past the per-socket event budget', async () => {
    const harness = await startServer({ limits: { eventsPerSecond: 2, eventBurst: 3 } });
    const a = await harness.connect();
    const acks = await Promise.all(
      Array.from({ length: 10 }, () => send(a.socket, Events.hangUp, { to: 'nobody' })),
    );
    const codes = acks.map((ack) => (ack.ok ? 'ok' : ack.code));
    expect(codes.slice(0, 3)).toEqual(['unknown-peer', 'unknown-peer', 'unknown-peer']);
    expect(codes).toContain('rate-limited');
    expect(a.socket.connected).toBe(true);
  });

  it('refuses connections past maxConnections with connect_error server-full', async () => {
    const harness = await startServer({ limits: { maxConnections: 2 } });
    await harness.connect();
    await harness.connect();
    const third = harness.client();
    const error = (await nextEvent(third, 'connect_error')) as Error & { data?: unknown };
    expect(error.message).toMatch(/full/i);
    expect(error.data).toEqual({ code: 'server-full' });
    expect(third.connected).toBe(false);
  });

  it('accepts a new connection once one left', async () => {
    const harness = await startServer({ limits: { maxConnections: 1 } });
    const first = await harness.connect();
    const serverSide = harness.server.io.of('/').sockets.get(first.id);
    expect(serverSide).toBeDefined();
    const gone = new Promise((resolve) => serverSide?.once('disconnect', resolve));
    first.socket.disconnect();
    await gone;
    const second = await harness.connect();
    expect(second.peers).toEqual([]);
  });
});

describe('logging', () => {
  it('logs one line per connection event and none per relayed message', async () => {
    const lines: string[] = [];
    const logger = createLogger('appel:server', {
      silent: false,
      debug: false,
      write: (line) => lines.push(line),
    });
    const harness = await startServer({ logger });
    const a = await harness.connect();
    const b = await harness.connect();
    for (let i = 0; i < 5; i++) {
      const ack = await send(a.socket, Events.candidate, {
        candidate: sampleCandidate(i),
        to: b.id,
      });
      expect(ack).toEqual({ ok: true });
    }
    await send(a.socket, Events.hangUp, { to: 'nobody' });
    const serverSide = harness.server.io.of('/').sockets.get(b.id);
    const gone = new Promise((resolve) => serverSide?.once('disconnect', resolve));
    b.socket.disconnect();
    await gone;

    const events = lines.map((line) => line.split(' ')[3]);
    expect(events).toEqual(['listening', 'connect', 'connect', 'disconnect']);
    expect(lines.every((line) => line.endsWith('\n') && line.split('\n').length === 2)).toBe(true);
    expect(lines[1]).toMatch(
      new RegExp(`^\\S+ info appel:server connect id=${a.id} address=\\S+ count=1\\n$`),
    );
    expect(lines[3]).toContain(
      `disconnect id=${b.id} reason="client namespace disconnect" count=1`,
    );
  });

  it('is silent with APPEL_LOG=silent semantics and verbose with debug', () => {
    const lines: string[] = [];
    const write = (line: string): void => {
      lines.push(line);
    };
    createLogger('x', { silent: true, write }).error('nothing');
    expect(lines).toEqual([]);
    const verbose = createLogger('x', { silent: false, debug: true, write });
    verbose.debug('relay', { event: 'offer', text: 'two words', missing: undefined });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ debug x relay event=offer text="two words"\n$/);
  });
});

describe('robustness', () => {
  it('answers internal when a handler throws, and keeps the connection', async () => {
    const errors: string[] = [];
    const throwingLogger: Logger = {
      ...silentLogger,
      debugEnabled: true,
      debug: () => {
        throw new Error('logger exploded');
      },
      error: (message) => {
        errors.push(message);
      },
    };
    const harness = await startServer({ logger: throwingLogger });
    const a = await harness.connect();
    const b = await harness.connect();
    const unknownPeer = await send(a.socket, Events.hangUp, { to: 'nobody' });
    expect(unknownPeer).toMatchObject({ ok: false, code: 'internal' });
    const relayed = await send(a.socket, Events.hangUp, { to: b.id });
    expect(relayed).toMatchObject({ ok: false, code: 'internal' });
    sendWithoutAck(a.socket, Events.hangUp, { to: 'nobody' });
    expect(errors).toContain('event handler failed');
    expect(a.socket.connected).toBe(true);
    // Still serving: a fresh client connects and is announced.
    const joined = nextEvent(b.socket, Events.peerJoined);
    const c = await harness.connect();
    expect(await joined).toEqual({ id: c.id });
  });
});

describe('HTTP', () => {
  async function pageDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'appel-page-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>Appel</title>');
    await writeFile(join(dir, 'app.js'), 'console.log("appel");');
    await writeFile(join(dir, 'style.css'), 'body{}');
    return dir;
  }

  it('serves the call page with its CSP and security headers', async () => {
    const harness = await startServer({ staticDir: await pageDir() });
    const page = await httpsGet(harness.server, harness.certPem, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Appel</title>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toMatch(/^default-src 'none'; script-src 'self';/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');

    const script = await httpsGet(harness.server, harness.certPem, '/app.js?v=1');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const style = await httpsGet(harness.server, harness.certPem, '/style.css');
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');

    const head = await httpsGet(harness.server, harness.certPem, '/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBe(page.body.length);
  });

  it('serves the Socket.IO client script', async () => {
    const harness = await startServer();
    const client = await httpsGet(harness.server, harness.certPem, '/socket.io/socket.io.js');
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toMatch(/javascript/);
    expect(client.body).toContain('Socket.IO');
  });

  it.each([
    '/../package.json',
    '/%2e%2e/package.json',
    '/%2E%2E%2Fpackage.json',
    '/..%2f..%2fpackage.json',
    '/assets/..%5c..%5cpackage.json',
    '/%00',
    '/%zz',
  ])('refuses %s', async (path) => {
    const harness = await startServer({ staticDir: await pageDir() });
    const result = await httpsGet(harness.server, harness.certPem, path);
    expect(result.status).toBe(400);
    expect(result.body).not.toContain('"name"');
    expect(result.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  });

  it('does not follow a symlink out of the page directory', async () => {
    const dir = await pageDir();
    await symlink(join(repoRoot, 'package.json'), join(dir, 'linked.json'));
    const harness = await startServer({ staticDir: dir });
    const result = await httpsGet(harness.server, harness.certPem, '/linked.json');
    expect(result.status).toBe(404);
  });

  it('answers 404 for missing files, 405 for other methods', async () => {
    const harness = await startServer({ staticDir: await pageDir() });
    expect((await httpsGet(harness.server, harness.certPem, '/nope.js')).status).toBe(404);
    const post = await httpsGet(harness.server, harness.certPem, '/', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('explains a 404 at / when it has no page to serve', async () => {
    const harness = await startServer();
    const result = await httpsGet(harness.server, harness.certPem, '/');
    expect(result.status).toBe(404);
    expect(result.body).toMatch(/does not serve the call page/);
  });
});

describe('lifecycle', () => {
  it('rejects with the listen error code when the port is taken', async () => {
    const harness = await startServer();
    const error = await createSignalingServer({
      host: '127.0.0.1',
      port: harness.server.port,
      tls: await getTestCertificate(),
      logger: silentLogger,
    }).then(
      async (unexpected) => {
        await unexpected.close();
        return null;
      },
      (reason: unknown) => reason as NodeJS.ErrnoException,
    );
    expect(error?.code).toBe('EADDRINUSE');
    expect(error?.message).toMatch(/already in use/);
  });

  it('close() disconnects clients and resolves', async () => {
    const harness = await startServer();
    const a = await harness.connect();
    const disconnected = nextEvent(a.socket, 'disconnect');
    await harness.server.close();
    await disconnected;
    expect(a.socket.connected).toBe(false);
    await harness.server.close(); // idempotent
  });
});
