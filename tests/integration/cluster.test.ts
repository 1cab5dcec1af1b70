/**
 * Several signaling nodes sharing a real `redis-server`: relays, room walls, peer lists, room
 * keys and caps hold across nodes as on one, and clients of a stopped node find their room again
 * on another through a load balancer. Most tests run the real `appel-signal` CLI twice (needs
 * `npx tsc -p tsconfig.server.json`); those of the embedder API (`createRoom`, `rekeyRoom`,
 * `closeRoom`, `health`) run `createSignalingServer` twice in this process, since only an
 * embedder can call them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { io as connectClient } from 'socket.io-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  Events,
  newRoomKey,
  parsePeerList,
  type HandshakeAuth,
  type PeerList,
} from '../../common/protocol.js';
import { silentLogger } from '../../signaling-server/log.js';
import {
  createSignalingServer,
  type SignalingServer,
  type SignalingServerOptions,
} from '../../signaling-server/server.js';
import { startAppelSignal, type AppelSignal } from '../support/appel-signal.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import {
  getTestCertificate,
  nextEvent,
  recordEvents,
  send,
  WAIT_MS,
  type ClientOptions,
  type TestClient,
} from '../support/server-harness.js';
import { sampleAnswer, sampleCandidate, sampleOffer } from '../support/signaling-fixtures.js';
import { startTcpBalancer } from '../support/tcp-balancer.js';

interface Node {
  url: string;
  certPem: string;
  stop(): Promise<void>;
}

interface Member {
  socket: TestClient;
  id: string;
  list: PeerList;
}

/** A Redis for this test only, stopped when it finishes. */
async function redisForTest(): Promise<RedisServer> {
  const redis = await startRedis();
  onTestFinished(() => redis.stop());
  return redis;
}

/** Two `appel-signal` processes on one Redis and one certificate (one `--data-dir`). */
async function twoCliNodes(extraArgs: string[] = []): Promise<[AppelSignal, AppelSignal]> {
  const redis = await redisForTest();
  const dataDir = await mkdtemp(join(tmpdir(), 'appel-cluster-'));
  onTestFinished(() => rm(dataDir, { recursive: true, force: true }));
  const args = ['--redis', redis.url, ...extraArgs];
  // One after the other: the first generates the certificate the second loads.
  const first = await startAppelSignal({ dataDir, args });
  onTestFinished(() => first.stop());
  const second = await startAppelSignal({ dataDir, args });
  onTestFinished(() => second.stop());
  expect(second.fingerprint).toBe(first.fingerprint);
  return [first, second];
}

/** Two in-process servers on one Redis: for the embedder's API. */
async function twoServers(
  options: Partial<Omit<SignalingServerOptions, 'tls' | 'redis'>> = {},
): Promise<{ nodes: [SignalingServer, SignalingServer]; redis: RedisServer; certPem: string }> {
  const redis = await redisForTest();
  const tls = await getTestCertificate();
  const start = async (): Promise<SignalingServer> => {
    const server = await createSignalingServer({
      logger: silentLogger,
      ...options,
      host: '127.0.0.1',
      port: 0,
      tls,
      redis: redis.url,
    });
    onTestFinished(() => server.close({ timeoutMs: 2000 }));
    return server;
  };
  const nodes: [SignalingServer, SignalingServer] = [await start(), await start()];
  return { nodes, redis, certPem: tls.cert };
}

/** A client of `node`, disconnected when the test finishes. */
function client(
  node: Pick<Node, 'url' | 'certPem'>,
  auth?: HandshakeAuth,
  extra: ClientOptions = {},
): TestClient {
  const socket: TestClient = connectClient(node.url, {
    transports: ['websocket'],
    ca: node.certPem,
    forceNew: true,
    reconnection: false,
    ...(auth !== undefined && { auth: { ...auth } }),
    ...extra,
  });
  onTestFinished(() => {
    socket.disconnect();
  });
  return socket;
}

/** A member of a room on `node`, with the peer list it got. */
async function enter(
  node: Pick<Node, 'url' | 'certPem'>,
  auth: HandshakeAuth,
  extra?: ClientOptions,
): Promise<Member> {
  const socket = client(node, auth, extra);
  const [id, raw] = await Promise.all([
    nextEvent(socket, Events.newUser),
    nextEvent(socket, Events.peerList),
  ]);
  const list = parsePeerList(raw);
  if (list === null) throw new Error(`not a peer list: ${JSON.stringify(raw)}`);
  return { socket, id: id as string, list };
}

/** The refusal code of a handshake that must fail. */
async function refusal(node: Pick<Node, 'url' | 'certPem'>, auth: HandshakeAuth) {
  const socket = client(node, auth);
  const error = (await nextEvent(socket, 'connect_error')) as Error & { data?: { code?: string } };
  return error.data?.code;
}

const nodeOf = (server: SignalingServer, certPem: string): Node => ({
  url: server.url,
  certPem,
  stop: () => server.close(),
});

/** Waits until `check` passes (the cluster's bookkeeping settles within a Redis round trip). */
async function eventually(check: () => unknown, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('two nodes on one Redis (appel-signal --redis)', () => {
  it('relays a call between members on different nodes: offer, answer, candidates, acks', async () => {
    const [one, two] = await twoCliNodes();
    const red = { room: 'red', key: newRoomKey() };
    const ann = await enter(one, { ...red, name: 'Ann' });
    const bo = await enter(two, { ...red, name: 'Bo' });
    expect(bo.list.peers).toEqual([{ id: ann.id, name: 'Ann' }]);

    const offered = nextEvent(bo.socket, Events.offer);
    expect(await send(ann.socket, Events.offer, { offer: sampleOffer(1), to: bo.id })).toEqual({
      ok: true,
    });
    expect(await offered).toEqual({ offer: sampleOffer(1), from: ann.id });

    const answered = nextEvent(ann.socket, Events.answer);
    expect(await send(bo.socket, Events.answer, { answer: sampleAnswer(2), to: ann.id })).toEqual({
      ok: true,
    });
    expect(await answered).toEqual({ answer: sampleAnswer(2), from: bo.id });

    // Trickle both ways, in order.
    const toBo: unknown[] = [];
    const toAnn: unknown[] = [];
    bo.socket.on(Events.candidate, (payload) => toBo.push(payload));
    ann.socket.on(Events.candidate, (payload) => toAnn.push(payload));
    for (let i = 0; i < 10; i++) {
      await Promise.all([
        send(ann.socket, Events.candidate, { candidate: sampleCandidate(i), to: bo.id }),
        send(bo.socket, Events.candidate, { candidate: sampleCandidate(100 + i), to: ann.id }),
      ]);
    }
    await eventually(() => {
      expect(toBo).toHaveLength(10);
      expect(toAnn).toHaveLength(10);
    });
    expect(toBo).toEqual(
      Array.from({ length: 10 }, (_, i) => ({ candidate: sampleCandidate(i), from: ann.id })),
    );
    expect(toAnn[9]).toEqual({ candidate: sampleCandidate(109), from: bo.id });
  });

  it('keeps rooms walled across nodes: forbidden to another room, unknown-peer for nobody', async () => {
    const [one, two] = await twoCliNodes();
    const red = { room: 'red', key: newRoomKey() };
    const blue = { room: 'blue', key: newRoomKey() };
    const ann = await enter(one, { ...red, name: 'Ann' });
    const seenByCid: { event: string }[] = [];
    const cid = await enter(two, { ...blue, name: 'Cid' });
    cid.socket.onAny((event: string) => seenByCid.push({ event }));
    const bo = await enter(two, { ...red, name: 'Bo' });
    // Cid, in blue on node 2, heard nothing of red's members on either node.
    expect(cid.list.peers).toEqual([]);

    for (const [from, to] of [
      [cid, ann],
      [cid, bo],
      [ann, cid],
    ] as const) {
      expect(
        await send(from.socket, Events.offer, { offer: sampleOffer(), to: to.id }),
      ).toMatchObject({ ok: false, code: 'forbidden' });
    }
    expect(await send(ann.socket, Events.ringing, { to: 'AAAAAAAAAAAAAAAAAAAA' })).toMatchObject({
      ok: false,
      code: 'unknown-peer',
    });
    // A peer that left another node is unknown at once, even after a relay cached it.
    expect(await send(ann.socket, Events.ringing, { to: bo.id })).toEqual({ ok: true });
    const left = nextEvent(ann.socket, Events.peerLeft);
    bo.socket.disconnect();
    expect(await left).toEqual({ id: bo.id });
    await eventually(async () => {
      expect(await send(ann.socket, Events.ringing, { to: bo.id })).toMatchObject({
        ok: false,
        code: 'unknown-peer',
      });
    });
    expect(seenByCid).toEqual([]);
  });

  it('spans peer lists, joins and leaves over nodes; tutorial clients get no presence', async () => {
    const [one, two] = await twoCliNodes();
    const ann = await enter(one, { name: 'Ann' });
    const joined = nextEvent(ann.socket, Events.peerJoined);
    const bo = await enter(two, { name: 'Bo' });
    expect(bo.list).toMatchObject({ room: null, peers: [{ id: ann.id, name: 'Ann' }] });
    expect(await joined).toEqual({ id: bo.id, name: 'Bo' });

    // A tutorial client (no auth) on node 2: newUser and relays, no presence traffic at all.
    const tutorial = client(two);
    const tutorialEvents = recordEvents(tutorial);
    const tutorialId = (await nextEvent(tutorial, Events.newUser)) as string;
    const otherTutorial = client(one);
    const otherEvents = recordEvents(otherTutorial);
    const otherId = (await nextEvent(otherTutorial, Events.newUser)) as string;
    const offered = nextEvent(tutorial, Events.offer);
    otherTutorial.emit(Events.offer, { offer: sampleOffer(7), to: tutorialId });
    expect(await offered).toEqual({ offer: sampleOffer(7), from: otherId });
    // The app's clients do see tutorial clients, listed by their guest names.
    const cid = await enter(one, { name: 'Cid' });
    expect(cid.list.peers.map((peer) => peer.id).sort()).toEqual(
      [ann.id, bo.id, tutorialId, otherId].sort(),
    );

    const leftAnn = nextEvent(ann.socket, Events.peerLeft);
    bo.socket.disconnect();
    expect(await leftAnn).toEqual({ id: bo.id });
    expect(tutorialEvents.map(({ event }) => event)).toEqual([Events.newUser, Events.offer]);
    expect(otherEvents.map(({ event }) => event)).toEqual([Events.newUser]);
  });

  it('opens a room made on node 1 with its key on node 2, and forgets it when it empties', async () => {
    const [one, two] = await twoCliNodes(['--max-room-members', '2']);
    const key = newRoomKey();
    const ann = await enter(one, { room: 'red', key, name: 'Ann' });
    expect(await refusal(two, { room: 'red', key: newRoomKey(), name: 'Eve' })).toBe(
      'unauthorized',
    );
    const bo = await enter(two, { room: 'red', key, name: 'Bo' });
    expect(bo.list.peers).toEqual([{ id: ann.id, name: 'Ann' }]);
    // The cap counts members on every node.
    expect(await refusal(one, { room: 'red', key, name: 'Cid' })).toBe('room-full');

    const left = nextEvent(bo.socket, Events.peerLeft);
    ann.socket.disconnect();
    await left;
    bo.socket.disconnect();
    // The last member left (on node 2): a new key now makes the room anew, on node 1.
    await eventually(async () => {
      const again = await enter(one, { room: 'red', key: newRoomKey(), name: 'Dee' });
      expect(again.list.peers).toEqual([]);
      again.socket.disconnect();
    });
  });

  it('moves the clients of a stopped node to the other through the balancer', async () => {
    const [one, two] = await twoCliNodes();
    const balancer = await startTcpBalancer([two.port, one.port]);
    onTestFinished(() => balancer.close());
    const entry = { url: balancer.url, certPem: one.certPem };
    const red = { room: 'red', key: newRoomKey() };
    const ann = await enter(one, { ...red, name: 'Ann' });
    const bo = await enter(
      entry,
      { ...red, name: 'Bo' },
      {
        reconnection: true,
        reconnectionDelay: 100,
        reconnectionDelayMax: 500,
      },
    );
    expect(bo.list.peers).toEqual([{ id: ann.id, name: 'Ann' }]);

    const closing = nextEvent(bo.socket, Events.closing);
    const left = nextEvent(ann.socket, Events.peerLeft, 15_000);
    const back = nextEvent(ann.socket, Events.peerJoined, 15_000);
    const relisted = nextEvent(bo.socket, Events.peerList, 15_000);
    await two.stop();
    expect(await closing).toMatchObject({ code: 'going-away' });
    expect(await left).toEqual({ id: bo.id });
    const list = parsePeerList(await relisted);
    const rejoined = (await back) as { id: string; name: string };
    expect(rejoined).toMatchObject({ name: 'Bo' });
    expect(list).toMatchObject({ room: 'red', self: rejoined, peers: [{ id: ann.id }] });
    // And the call goes on through node 1.
    const rung = nextEvent(bo.socket, Events.ringing);
    expect(await send(ann.socket, Events.ringing, { to: rejoined.id })).toEqual({ ok: true });
    expect(await rung).toEqual({ from: ann.id });
  }, 30_000);
});

describe('two embedded servers on one Redis', () => {
  it('admits a created room on the other node; rekey and close act on every node', async () => {
    const { nodes, certPem } = await twoServers({ openRooms: false });
    const [one, two] = nodes.map((server) => nodeOf(server, certPem)) as [Node, Node];
    const invite = nodes[0].createRoom();
    // The room reaches Redis within a round trip of createRoom().
    await eventually(async () => {
      await enter(two, { ...invite, name: 'Ann' });
    });
    const bo = await enter(one, { ...invite, name: 'Bo' });
    expect(bo.list.peers).toHaveLength(1);

    const key = nodes[0].rekeyRoom(invite.room);
    await eventually(async () => {
      expect(await refusal(two, { ...invite, name: 'Eve' })).toBe('unauthorized');
    });
    const cid = await enter(two, { room: invite.room, key, name: 'Cid' });
    expect(cid.list.peers.map((peer) => peer.name).sort()).toEqual(['Ann', 'Bo']);

    const gone = [bo, cid].map((member) => nextEvent(member.socket, 'disconnect'));
    nodes[0].closeRoom(invite.room);
    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
    await eventually(async () => {
      expect(await refusal(two, { room: invite.room, key, name: 'Dee' })).toBe('unauthorized');
    });
  }, 20_000);

  it('is ready while Redis answers, and not ready once it stops', async () => {
    const { nodes, redis } = await twoServers();
    expect(await nodes[0].health.check()).toEqual({ status: 'ready' });
    // The registry is in Redis: this node's liveness and no one else's members.
    const probe = createClient({ url: redis.url });
    await probe.connect();
    expect(await probe.sCard('appel:nodes')).toBe(2);
    await probe.close();
    await redis.stop();
    await eventually(async () => {
      expect(await nodes[0].health.check()).toMatchObject({
        status: 'not-ready',
        failing: ['redis'],
      });
    });
  });

  it('refuses to start when Redis cannot be reached, without printing its password', async () => {
    const tls = await getTestCertificate();
    const redis = await startRedis();
    const url = `redis://user:hunter2secret@127.0.0.1:${redis.port}`;
    await redis.stop();
    const started = createSignalingServer({
      logger: silentLogger,
      host: '127.0.0.1',
      port: 0,
      tls,
      redis: url,
    });
    await expect(started).rejects.toThrow(
      /Cannot reach Redis at redis:\/\/user:\*\*\*@127\.0\.0\.1/,
    );
    await expect(started).rejects.not.toThrow(/hunter2/);
  }, 20_000);
});
