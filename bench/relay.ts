/**
 * Relay latency and throughput through a real `appel-signal`: `pairs` × 2 socket.io-clients, each
 * pair exchanging an offer, an answer and 10 ICE candidates each way, all at once. Latency is
 * send → receive on this process's clock; each payload carries a sequence number to match them.
 * The same exchange runs once unmeasured first (JIT warm-up); latency under this burst is mostly
 * queueing, so p50 is close to the burst's duration; `unloaded` then measures one message at a
 * time between one pair, the relay's own cost.
 *
 * Standalone: `npx tsx bench/relay.ts [pairs]` (after `npm run build`) prints the JSON.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { io as connectClient, type Socket } from 'socket.io-client';
import {
  Events,
  type Ack,
  type ClientToServerEvents,
  type RelayedAnswer,
  type RelayedCandidate,
  type RelayedOffer,
  type ServerToClientEvents,
} from '../common/protocol.js';
import { startAppelSignal } from '../tests/support/appel-signal.js';
import {
  sampleAnswer,
  sampleCandidate,
  sampleOffer,
  seqOfCandidate,
  seqOfSdp,
} from '../tests/support/signaling-fixtures.js';

export interface RelayBenchResult {
  clients: number;
  messages: number;
  /** Send → receive under the burst: mostly time spent queued behind the other messages. */
  p50Ms: number;
  p99Ms: number;
  messagesPerSecond: number;
  durationMs: number;
  /** One message in flight at a time between one pair: the cost of a relay itself. */
  unloaded: { messages: number; p50Ms: number; p99Ms: number };
}

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const CANDIDATES_EACH_WAY = 10;
const TIMEOUT_MS = 45_000;
const UNLOADED_ROUNDS = 500;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, rank)] as number;
}

const round = (value: number): number => Math.round(value * 1000) / 1000;

/** Connects one client and resolves with it once the server told it its id. */
function connect(url: string, certPem: string): Promise<{ socket: Client; id: string }> {
  const socket: Client = connectClient(url, {
    transports: ['websocket'],
    ca: certPem,
    forceNew: true,
    reconnection: false,
  });
  return new Promise((resolve, reject) => {
    socket.once(Events.newUser, (id) => resolve({ socket, id }));
    socket.once('connect_error', (error) => {
      socket.disconnect();
      reject(error);
    });
  });
}

interface Peer {
  socket: Client;
  id: string;
}

let lastSeq = 0;

/**
 * Every pair (clients 2i, 2i+1) sends an offer, an answer and `candidates` candidates each way, all
 * at once; resolves when every message arrived, with each one's send → receive latency.
 */
async function exchange(
  peers: readonly Peer[],
  candidates: number,
): Promise<{ latencies: number[]; durationMs: number }> {
  const pairs = Math.floor(peers.length / 2);
  const expected = pairs * (2 + 2 * candidates);
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let failure: Error | undefined;
  let finish: (error?: Error) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      finish(new Error(`relay bench: ${latencies.length}/${expected} after ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    finish = (error) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
  });
  const received = (seq: number): void => {
    const start = sentAt.get(seq);
    if (start === undefined) {
      finish(new Error(`relay bench: received unknown sequence ${seq}`));
      return;
    }
    sentAt.delete(seq);
    latencies.push(performance.now() - start);
    if (latencies.length === expected) finish(failure);
  };
  const onOffer = ({ offer }: RelayedOffer): void => received(seqOfSdp(offer.sdp));
  const onAnswer = ({ answer }: RelayedAnswer): void => received(seqOfSdp(answer.sdp));
  const onCandidate = ({ candidate }: RelayedCandidate): void =>
    received(seqOfCandidate(candidate));
  for (const { socket } of peers) {
    socket.on(Events.offer, onOffer);
    socket.on(Events.answer, onAnswer);
    socket.on(Events.candidate, onCandidate);
  }
  const ack = (response: Ack): void => {
    if (!response.ok) failure ??= new Error(`relay bench: refused: ${response.message}`);
  };
  const stamp = (): number => {
    const seq = ++lastSeq;
    sentAt.set(seq, performance.now());
    return seq;
  };

  const started = performance.now();
  try {
    for (let pair = 0; pair < pairs; pair++) {
      const a = peers[2 * pair] as Peer;
      const b = peers[2 * pair + 1] as Peer;
      a.socket.emit(Events.offer, { offer: sampleOffer(stamp()), to: b.id }, ack);
      b.socket.emit(Events.answer, { answer: sampleAnswer(stamp()), to: a.id }, ack);
      for (let i = 0; i < candidates; i++) {
        a.socket.emit(Events.candidate, { candidate: sampleCandidate(stamp()), to: b.id }, ack);
        b.socket.emit(Events.candidate, { candidate: sampleCandidate(stamp()), to: a.id }, ack);
      }
    }
    await done;
  } finally {
    for (const { socket } of peers) {
      socket.off(Events.offer, onOffer);
      socket.off(Events.answer, onAnswer);
      socket.off(Events.candidate, onCandidate);
    }
  }
  return { latencies, durationMs: performance.now() - started };
}

/**
 * `rounds` candidates, each sent once the previous one arrived, taking the pairs in turn so that
 * no client nears the server's per-client rate limit.
 */
async function oneAtATime(peers: readonly Peer[], rounds: number): Promise<number[]> {
  const latencies: number[] = [];
  const pairs = Math.floor(peers.length / 2);
  for (let round = 0; round < rounds; round++) {
    const a = peers[2 * (round % pairs)] as Peer;
    const b = peers[2 * (round % pairs) + 1] as Peer;
    const seq = ++lastSeq;
    const arrived = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`relay bench: ${seq} lost`)), TIMEOUT_MS);
      b.socket.once(Events.candidate, ({ candidate }) => {
        clearTimeout(timer);
        if (seqOfCandidate(candidate) === seq) resolve();
        else reject(new Error(`relay bench: expected ${seq}, got ${seqOfCandidate(candidate)}`));
      });
    });
    const start = performance.now();
    a.socket.emit(Events.candidate, { candidate: sampleCandidate(seq), to: b.id });
    await arrived;
    latencies.push(performance.now() - start);
  }
  return latencies.sort((x, y) => x - y);
}

export async function benchRelay(options: { pairs?: number } = {}): Promise<RelayBenchResult> {
  const pairs = options.pairs ?? 100;
  // Every bench client comes from 127.0.0.1: lift the per-address cap (and the total) to fit.
  const clients = String(pairs * 2);
  const server = await startAppelSignal({
    args: [
      '--max-connections-per-address',
      clients,
      '--max-connections',
      clients,
      // The default room holds them all.
      '--max-room-members',
      clients,
    ],
  });
  const sockets: Client[] = [];
  try {
    const settled = await Promise.allSettled(
      Array.from({ length: pairs * 2 }, () => connect(server.url, server.certPem)),
    );
    const connected = settled.flatMap((result) =>
      result.status === 'fulfilled' ? [result.value] : [],
    );
    sockets.push(...connected.map(({ socket }) => socket));
    const refused = settled.find((result) => result.status === 'rejected');
    if (refused)
      throw new Error('relay bench: a client could not connect', { cause: refused.reason });

    // One unmeasured round first, so JIT warm-up in both processes is not what we measure.
    await exchange(connected, CANDIDATES_EACH_WAY);
    const { latencies, durationMs } = await exchange(connected, CANDIDATES_EACH_WAY);

    latencies.sort((x, y) => x - y);
    const unloaded = await oneAtATime(connected, UNLOADED_ROUNDS);
    return {
      clients: sockets.length,
      messages: latencies.length,
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      messagesPerSecond: Math.round((latencies.length / durationMs) * 1000),
      durationMs: round(durationMs),
      unloaded: {
        messages: unloaded.length,
        p50Ms: round(percentile(unloaded, 50)),
        p99Ms: round(percentile(unloaded, 99)),
      },
    };
  } finally {
    for (const socket of sockets) socket.disconnect();
    await server.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const pairs = process.argv[2] ? Number(process.argv[2]) : undefined;
  const result = await benchRelay(pairs === undefined ? {} : { pairs });
  console.log(JSON.stringify(result, null, 2));
}
