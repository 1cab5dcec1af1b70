/**
 * A load-generator process of the signaling bench, forked by run.ts so that clients never run in
 * the server's process (its CPU is then measured alone). It connects tutorial-protocol clients
 * (socket.io-client over WebSocket only, or raw `ws` for the ws relay), then drives pairs: every
 * period each side of a pair sends its offer or answer and then its candidates, and each
 * payload's sequence number (tests/support/signaling-fixtures.ts) matches it to its send time.
 * Both ends of a pair live here, so latency is read on one clock.
 */
import { performance } from 'node:perf_hooks';
import { io as connectSocketIo, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import {
  Events,
  newRoomId,
  newRoomKey,
  type ClientToServerEvents,
  type HandshakeAuth,
  type IceCandidate,
  type SessionDescription,
  type ServerToClientEvents,
} from '../../common/protocol.js';
import {
  sampleAnswer,
  sampleCandidate,
  sampleOffer,
  seqOfCandidate,
  seqOfSdp,
} from '../../tests/support/signaling-fixtures.js';
import type {
  GeneratorCommand,
  GeneratorPlan,
  GeneratorReply,
  GeneratorResult,
} from './generator-protocol.js';
import type { WsRelayMessage, WsRelayRequest } from './ws-relay.js';

/** One connected client, whatever the wire. */
interface BenchClient {
  id: string;
  offer(to: string, seq: number): void;
  answer(to: string, seq: number): void;
  candidate(to: string, seq: number): void;
  close(): void;
}

/** Called with the sequence number of every relayed message a client receives. */
type OnSeq = (seq: number) => void;

const CONNECT_TIMEOUT_MS = 60_000;

function reply(message: GeneratorReply): void {
  process.send?.(message);
}

function socketIoClient(plan: GeneratorPlan, auth: HandshakeAuth, onSeq: OnSeq) {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connectSocketIo(plan.url, {
    transports: ['websocket'],
    ca: plan.certPem,
    forceNew: true,
    reconnection: false,
    timeout: CONNECT_TIMEOUT_MS,
    auth,
  });
  socket.on(Events.offer, ({ offer }) => onSeq(seqOfSdp(offer.sdp)));
  socket.on(Events.answer, ({ answer }) => onSeq(seqOfSdp(answer.sdp)));
  socket.on(Events.candidate, ({ candidate }) => onSeq(seqOfCandidate(candidate)));
  return new Promise<BenchClient>((resolve, reject) => {
    socket.once(Events.newUser, (id) =>
      resolve({
        id,
        offer: (to, seq) => socket.emit(Events.offer, { offer: sampleOffer(seq), to }),
        answer: (to, seq) => socket.emit(Events.answer, { answer: sampleAnswer(seq), to }),
        candidate: (to, seq) =>
          socket.emit(Events.candidate, { candidate: sampleCandidate(seq), to }),
        close: () => socket.disconnect(),
      }),
    );
    socket.once('connect_error', (error) => {
      socket.disconnect();
      reject(error);
    });
  });
}

function seqOfWsMessage(message: WsRelayMessage): number {
  return message.type === Events.candidate
    ? seqOfCandidate(message.payload as IceCandidate)
    : seqOfSdp((message.payload as SessionDescription).sdp);
}

function wsClient(plan: GeneratorPlan, onSeq: OnSeq) {
  const socket = new WebSocket(plan.url.replace(/^https:/, 'wss:'), {
    ca: plan.certPem,
    handshakeTimeout: CONNECT_TIMEOUT_MS,
  });
  const send = (type: string, to: string, payload: unknown): void => {
    const request: WsRelayRequest = { type, to, payload };
    socket.send(JSON.stringify(request));
  };
  return new Promise<BenchClient>((resolve, reject) => {
    socket.on('message', (data) => {
      const message = JSON.parse((data as Buffer).toString()) as WsRelayMessage;
      if (message.type !== Events.newUser) {
        onSeq(seqOfWsMessage(message));
        return;
      }
      resolve({
        id: message.payload as string,
        offer: (to, seq) => send(Events.offer, to, sampleOffer(seq)),
        answer: (to, seq) => send(Events.answer, to, sampleAnswer(seq)),
        candidate: (to, seq) => send(Events.candidate, to, sampleCandidate(seq)),
        close: () => socket.close(),
      });
    });
    socket.once('error', reject);
  });
}

/** Runs `make(0…count-1)` with at most `concurrency` in flight; rejects on the first failure. */
async function inPool<T>(
  count: number,
  concurrency: number,
  make: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      results[index] = await make(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** Everything one generator holds between commands. */
class Generator {
  readonly #clients: BenchClient[] = [];
  readonly #timers: NodeJS.Timeout[] = [];
  /** Send time of every message not received yet, by sequence number. */
  readonly #sentAt = new Map<number, number>();
  #plan: GeneratorPlan | undefined;
  #lastSeq = 0;
  #windowStart = Infinity;
  #windowEnd = Infinity;
  #recording = false;
  #latencies: number[] = [];
  #receivedInWindow = 0;
  #unexpected = 0;
  #cpuAtStart: NodeJS.CpuUsage | undefined;
  #cpuMicros = 0;
  #eluAtStart: ReturnType<typeof performance.eventLoopUtilization> | undefined;
  #elu = 0;

  readonly #onSeq: OnSeq = (seq) => {
    const now = performance.now();
    const sent = this.#sentAt.get(seq);
    if (sent === undefined) {
      this.#unexpected++;
      return;
    }
    this.#sentAt.delete(seq);
    if (this.#recording) this.#receivedInWindow++;
    if (sent >= this.#windowStart && sent < this.#windowEnd) this.#latencies.push(now - sent);
  };

  async connect(plan: GeneratorPlan): Promise<GeneratorReply> {
    this.#plan = plan;
    const started = performance.now();
    const active = await inPool(2 * plan.pairs, plan.concurrency, () =>
      plan.protocol === 'ws' ? wsClient(plan, this.#onSeq) : socketIoClient(plan, {}, this.#onSeq),
    );
    this.#clients.push(...active);
    const rooms = Array.from({ length: Math.ceil(plan.idleClients / plan.roomSize) }, () => ({
      room: newRoomId(),
      key: newRoomKey(),
    }));
    const idle = await inPool(plan.idleClients, plan.concurrency, (index) => {
      const { room, key } = rooms[Math.floor(index / plan.roomSize)] as (typeof rooms)[number];
      const auth: HandshakeAuth = { room, key, name: `Idle ${plan.index}-${index}` };
      return plan.protocol === 'ws'
        ? wsClient(plan, this.#onSeq)
        : socketIoClient(plan, auth, this.#onSeq);
    });
    this.#clients.push(...idle);
    return { kind: 'connected', ms: performance.now() - started, clients: this.#clients.length };
  }

  #stamp(): number {
    const seq = ++this.#lastSeq;
    this.#sentAt.set(seq, performance.now());
    return seq;
  }

  #round(a: BenchClient, b: BenchClient, candidates: number): void {
    a.offer(b.id, this.#stamp());
    b.answer(a.id, this.#stamp());
    for (let i = 0; i < candidates; i++) {
      a.candidate(b.id, this.#stamp());
      b.candidate(a.id, this.#stamp());
    }
  }

  start(): GeneratorReply {
    const plan = this.#plan;
    if (plan === undefined) throw new Error('start before connect');
    for (let pair = 0; pair < plan.pairs; pair++) {
      const a = this.#clients[2 * pair] as BenchClient;
      const b = this.#clients[2 * pair + 1] as BenchClient;
      // Pairs of all generators take turns over the period instead of firing together.
      const offset = ((pair + plan.index / plan.generators) / plan.pairs) * plan.periodMs;
      const first = setTimeout(() => {
        this.#round(a, b, plan.candidates);
        this.#timers.push(setInterval(() => this.#round(a, b, plan.candidates), plan.periodMs));
      }, offset);
      this.#timers.push(first);
    }
    return { kind: 'done' };
  }

  record(): GeneratorReply {
    this.#windowStart = performance.now();
    this.#recording = true;
    this.#cpuAtStart = process.cpuUsage();
    this.#eluAtStart = performance.eventLoopUtilization();
    return { kind: 'done' };
  }

  stopRecord(): GeneratorReply {
    this.#windowEnd = performance.now();
    this.#recording = false;
    const cpu = process.cpuUsage(this.#cpuAtStart);
    this.#cpuMicros = cpu.user + cpu.system;
    this.#elu = performance.eventLoopUtilization(this.#eluAtStart).utilization;
    return { kind: 'done' };
  }

  async finish(drainMs: number): Promise<GeneratorReply> {
    for (const timer of this.#timers) clearTimeout(timer);
    const deadline = performance.now() + drainMs;
    const pending = (): number => {
      let count = 0;
      for (const sent of this.#sentAt.values()) {
        if (sent >= this.#windowStart && sent < this.#windowEnd) count++;
      }
      return count;
    };
    while (pending() > 0 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const result: GeneratorResult = {
      latencies: Float64Array.from(this.#latencies),
      receivedInWindow: this.#receivedInWindow,
      lost: pending(),
      unexpected: this.#unexpected,
      cpuMicros: this.#cpuMicros,
      eventLoopUtilization: this.#elu,
    };
    return { kind: 'result', result };
  }

  close(): GeneratorReply {
    for (const client of this.#clients) client.close();
    this.#clients.length = 0;
    return { kind: 'done' };
  }
}

const generator = new Generator();

async function handle(command: GeneratorCommand): Promise<GeneratorReply> {
  switch (command.kind) {
    case 'connect':
      return generator.connect(command.plan);
    case 'start':
      return generator.start();
    case 'record':
      return generator.record();
    case 'stop-record':
      return generator.stopRecord();
    case 'finish':
      return generator.finish(command.drainMs);
    case 'close':
      return generator.close();
  }
}

process.on('message', (command: GeneratorCommand) => {
  handle(command).then(reply, (error: unknown) => {
    reply({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
  });
});
process.on('disconnect', () => process.exit(0));
reply({ kind: 'ready' });
