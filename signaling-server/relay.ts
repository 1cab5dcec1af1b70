/**
 * The relay: one handler per server for the events of every socket. Each client event is
 * rate-checked, validated, and relayed to its target in the sender's room with `from` stamped by
 * the server, then acked. A handler never throws out to Socket.IO: a failure becomes an
 * `internal` ack. A socket whose events keep being refused is told why (`server:closing`) and
 * disconnected.
 *
 * A target connected to this node is written to directly: only a target on another node goes
 * through the adapter (and Redis). Its room comes from the room store without I/O when this node
 * knows the target (its own sockets, and remote ones it relayed to before); only the first relay
 * to a peer on another node asks Redis, never the other nodes.
 *
 * This runs once per relayed message, so it allocates little: per-socket state is a few numbers
 * made at a socket's first event, the `{ok: true}` ack is shared, and debug fields and relay
 * timings are only built when someone reads them.
 */
import type { Server } from 'socket.io';
import {
  Events,
  RELAY_EVENTS,
  validateRelayRequest,
  type Ack,
  type AckCallback,
  type ClientToServerEvents,
  type ErrorCode,
  type PeerId,
  type RelayEvent,
  type RelayRequests,
  type ServerToClientEvents,
} from '../common/protocol.js';
import type { SignalingSocket, SocketData } from './admission.js';
import type { InterServerEvents } from './cluster.js';
import type { Logger } from './log.js';
import type { ServerMetrics } from './metrics.js';
import type { ServerLimits } from './options.js';
import { TokenBucket, WindowCounter } from './rate-limits.js';
import type { Member, RoomStore } from './rooms.js';

/** The Socket.IO server type, typed from the wire contract. */
export type SignalingIo = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;

/** Where a relay goes: the target's own socket on this node, or the adapter for another node. */
type RelayTarget = SignalingSocket | ReturnType<SignalingIo['to']>;

/** The one success ack, shared: acks are encoded, never kept or changed. */
const OK: Ack = Object.freeze({ ok: true });

const RELAY_EVENT_SET: ReadonlySet<unknown> = new Set(RELAY_EVENTS);

function isRelayEvent(event: unknown): event is RelayEvent {
  return RELAY_EVENT_SET.has(event);
}

/** What the relay keeps of one socket (`socket.data.relay`), made at its first event. */
export class RelaySocketState {
  /** Its event budget. */
  readonly events: TokenBucket;
  /** Its refused events, to end a connection that keeps breaking the rules. */
  readonly refusals: WindowCounter;
  /** Until when its reading is paused after a flood (`performance.now()` ms). */
  pausedUntil = 0;
  /** Whether it was told `server:closing` and disconnected. */
  closed = false;

  constructor(limits: ServerLimits, now: number) {
    this.events = new TokenBucket(limits.eventsPerSecond, limits.eventBurst, now);
    this.refusals = new WindowCounter(limits.abuseLimit, limits.abuseWindowMs, now);
  }
}

/** Emits the relayed form of a validated request to its target, with `from` stamped. */
function emitRelayed(
  target: RelayTarget,
  event: RelayEvent,
  request: RelayRequests[RelayEvent],
  from: PeerId,
): void {
  // `request` was validated for `event`, so each branch knows its shape.
  switch (event) {
    case Events.offer:
      target.emit(Events.offer, {
        offer: (request as RelayRequests[typeof Events.offer]).offer,
        from,
      });
      break;
    case Events.answer:
      target.emit(Events.answer, {
        answer: (request as RelayRequests[typeof Events.answer]).answer,
        from,
      });
      break;
    case Events.candidate: {
      const { candidate } = request as RelayRequests[typeof Events.candidate];
      target.emit(Events.candidate, { candidate, from });
      break;
    }
    case Events.ringing:
      target.emit(Events.ringing, { from });
      break;
    case Events.hangUp: {
      const { reason } = request as RelayRequests[typeof Events.hangUp];
      target.emit(Events.hangUp, reason === undefined ? { from } : { from, reason });
      break;
    }
  }
}

export interface RelayDeps {
  io: SignalingIo;
  store: RoomStore;
  /** Whether the store is shared by nodes: then a peer not connected here may be elsewhere. */
  shared: boolean;
  limits: ServerLimits;
  logger: Logger;
  metrics: ServerMetrics;
  /** The socket of this node holding a peer id (identity.ts); a peer's id outlives its socket. */
  socketOf: (id: PeerId) => SignalingSocket | undefined;
}

/** The WebSocket under a socket, when it is one (Engine.IO's `ws` transport) and can pause. */
interface Pausable {
  pause(): void;
  resume(): void;
}

/**
 * Stops reading `socket`'s connection for `ms`: TCP pushes a flood back onto its sender, and
 * bytes not read are never parsed, so one flooding client cannot take the event loop from the
 * others. Only the WebSocket transport can pause; long-polling is left to the rate limit.
 */
function pauseReading(socket: SignalingSocket, ms: number): boolean {
  const transport = socket.conn.transport as unknown as { socket?: Partial<Pausable> };
  const ws = transport.socket;
  if (typeof ws?.pause !== 'function' || typeof ws.resume !== 'function') return false;
  const pausable = ws as Pausable;
  pausable.pause();
  setTimeout(() => pausable.resume(), ms).unref();
  return true;
}

/** The relay of one server: `handle` takes any event of any of its sockets (`socket.onAny`). */
export interface Relay {
  handle(socket: SignalingSocket, event: unknown, args: unknown[]): void;
}

/** Makes the relay shared by every socket of a server. */
export function createRelay({
  io,
  store,
  shared,
  limits,
  logger,
  metrics,
  socketOf,
}: RelayDeps): Relay {
  const timed = metrics.timesRelays !== false;
  // Long enough for the bucket to refill a burst's worth.
  const pauseMs = Math.ceil((limits.eventBurst / limits.eventsPerSecond) * 1000);
  const rateLimited = `More than ${limits.eventsPerSecond} events per second`;
  const abusive = `Too many refused events (over ${limits.abuseLimit} in ${limits.abuseWindowMs / 1000} s): disconnected`;

  /** Ends a connection that keeps sending refused events, saying why first. */
  const closeAbusive = (socket: SignalingSocket, state: RelaySocketState, code: ErrorCode) => {
    if (state.closed) return;
    state.closed = true;
    logger.warn('closing abusive connection', { id: socket.id, code });
    socket.emit(Events.closing, { code, message: abusive });
    socket.disconnect(true);
  };

  const refuse = (
    socket: SignalingSocket,
    state: RelaySocketState,
    event: unknown,
    ack: AckCallback | undefined,
    code: ErrorCode,
    message: string,
  ): void => {
    if (logger.debugEnabled) {
      logger.debug('refused event', { id: socket.id, event: String(event), code });
    }
    metrics.refused(code);
    ack?.({ ok: false, code, message });
    if (code !== 'internal' && state.refusals.hit(performance.now())) {
      closeAbusive(socket, state, code);
    }
  };

  const fail = (
    socket: SignalingSocket,
    event: unknown,
    ack: AckCallback | undefined,
    error: unknown,
  ): void => {
    logger.error('event handler failed', {
      id: socket.id,
      event: String(event),
      error: error instanceof Error ? error.message : String(error),
    });
    // Straight to the ack: `refuse` logs, and the logger may be what threw.
    ack?.({ ok: false, code: 'internal', message: 'The server failed to handle this event' });
  };

  /** Relays to `member` (undefined: nobody by that id), through `local` when it is connected here. */
  const deliver = (
    socket: SignalingSocket,
    state: RelaySocketState,
    event: RelayEvent,
    request: RelayRequests[RelayEvent],
    member: Member | undefined,
    local: SignalingSocket | undefined,
    ack: AckCallback | undefined,
    receivedAt: number,
  ): void => {
    const { to } = request;
    if (member === undefined) {
      refuse(
        socket,
        state,
        event,
        ack,
        'unknown-peer',
        `No peer ${JSON.stringify(to)} is connected`,
      );
      return;
    }
    if (socket.data.room !== member.room) {
      refuse(
        socket,
        state,
        event,
        ack,
        'forbidden',
        `Peer ${JSON.stringify(to)} is not in your room`,
      );
      return;
    }
    const from = socket.data.peerId;
    emitRelayed(local ?? io.to(to), event, request, from);
    metrics.relayed(event, timed ? (performance.now() - receivedAt) / 1000 : 0);
    if (logger.debugEnabled) logger.debug('relay', { event, from, to });
    ack?.(OK);
  };

  const handle = (socket: SignalingSocket, event: unknown, args: unknown[]): void => {
    const receivedAt = performance.now();
    const last = args[args.length - 1];
    const ack = typeof last === 'function' ? (last as AckCallback) : undefined;
    try {
      const state = (socket.data.relay ??= new RelaySocketState(limits, receivedAt));
      if (!state.events.take(receivedAt)) {
        if (receivedAt >= state.pausedUntil && pauseReading(socket, pauseMs)) {
          state.pausedUntil = receivedAt + pauseMs;
        }
        refuse(socket, state, event, ack, 'rate-limited', rateLimited);
        return;
      }
      if (!isRelayEvent(event)) {
        refuse(
          socket,
          state,
          event,
          ack,
          'invalid-payload',
          `unknown event ${JSON.stringify(event)}`,
        );
        return;
      }
      const payload = ack === undefined ? args[0] : args.length > 1 ? args[0] : undefined;
      const result = validateRelayRequest(event, payload, limits);
      if (!result.ok) {
        refuse(socket, state, event, ack, result.code, result.message);
        return;
      }
      const request = result.value;
      const { to } = request;
      if (to === socket.data.peerId) {
        const message = '"to" is your own id; you cannot signal yourself';
        refuse(socket, state, event, ack, 'invalid-payload', message);
        return;
      }
      const local = socketOf(to);
      // One node: not connected here is connected nowhere.
      const member = local !== undefined || shared ? store.known(to) : undefined;
      if (member !== undefined || local !== undefined || !shared) {
        deliver(socket, state, event, request, member, local, ack, receivedAt);
        return;
      }
      // Connected to another node, and not seen by this one yet.
      store.find(to).then(
        (found) => {
          try {
            deliver(socket, state, event, request, found, undefined, ack, receivedAt);
          } catch (error) {
            fail(socket, event, ack, error);
          }
        },
        (error: unknown) => fail(socket, event, ack, error),
      );
    } catch (error) {
      fail(socket, event, ack, error);
    }
  };

  return { handle };
}
