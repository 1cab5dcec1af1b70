/**
 * The per-socket event handler: every client event is rate-checked, validated, and relayed to
 * its target in the sender's room with `from` stamped by the server, then acked. A handler
 * never throws out to Socket.IO: a failure becomes an `internal` ack. A socket whose events keep
 * being refused is told why (`server:closing`) and disconnected.
 *
 * The target's room comes from the room store without I/O when this node knows the target (its
 * own sockets, and remote ones it relayed to before); only the first relay to a peer on another
 * node asks Redis, never the other nodes.
 */
import type { Server } from 'socket.io';
import {
  Events,
  RELAY_EVENTS,
  validateRelayRequest,
  type Ack,
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
import { tokenBucket, windowCounter } from './rate-limits.js';
import type { Member, RoomStore } from './rooms.js';

/** The Socket.IO server type, typed from the wire contract. */
export type SignalingIo = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;

function refusal(code: ErrorCode, message: string): Ack {
  return { ok: false, code, message };
}

function isRelayEvent(event: unknown): event is RelayEvent {
  return (RELAY_EVENTS as readonly unknown[]).includes(event);
}

/** Emits the relayed form of a validated request to its target, with `from` stamped. */
function emitRelayed(
  io: SignalingIo,
  event: RelayEvent,
  request: RelayRequests[RelayEvent],
  from: PeerId,
): void {
  const target = io.to(request.to);
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

/** Marks a target that only the store can tell about (it is not connected to this node). */
const ASK_STORE = Symbol('ask the store');

/** Makes the `socket.onAny` handler of one connected socket. */
export function createRelayHandler(
  socket: SignalingSocket,
  { io, store, shared, limits, logger, metrics }: RelayDeps,
): (event: unknown, ...args: unknown[]) => void {
  const sockets = io.of('/').sockets;
  const allow = tokenBucket(limits.eventsPerSecond, limits.eventBurst);
  const tooManyRefusals = windowCounter(limits.abuseLimit, limits.abuseWindowMs);
  let closed = false;
  let pausedUntil = 0;

  /** The member `to`, when this node can tell without I/O. */
  const lookup = (to: PeerId): Member | undefined | typeof ASK_STORE => {
    if (sockets.has(to)) return store.known(to);
    if (!shared) return undefined; // One node: not connected here is connected nowhere.
    return store.known(to) ?? ASK_STORE;
  };

  /** Why `socket` may not reach `target` (`to`), or `null` when it may. */
  const refuseTarget = (to: PeerId, target: Member | undefined): Ack | null => {
    if (target === undefined) {
      return refusal('unknown-peer', `No peer ${JSON.stringify(to)} is connected`);
    }
    if (socket.data.room !== target.room) {
      return refusal('forbidden', `Peer ${JSON.stringify(to)} is not in your room`);
    }
    return null;
  };

  /** Ends a connection that keeps sending refused events, saying why first. */
  const closeAbusive = (code: ErrorCode): void => {
    if (closed) return;
    closed = true;
    logger.warn('closing abusive connection', { id: socket.id, code });
    socket.emit(Events.closing, {
      code,
      message: `Too many refused events (over ${limits.abuseLimit} in ${limits.abuseWindowMs / 1000} s): disconnected`,
    });
    socket.disconnect(true);
  };

  return (event, ...args) => {
    const receivedAt = performance.now();
    const last = args.at(-1);
    const ack = typeof last === 'function' ? (last as (ack: Ack) => void) : undefined;
    const reply = (answer: Ack): void => {
      if (!answer.ok) {
        logger.debug('refused event', { id: socket.id, event: String(event), code: answer.code });
        metrics.refused(answer.code);
      }
      ack?.(answer);
      if (!answer.ok && answer.code !== 'internal' && tooManyRefusals()) closeAbusive(answer.code);
    };
    const fail = (error: unknown): void => {
      logger.error('event handler failed', {
        id: socket.id,
        event: String(event),
        error: error instanceof Error ? error.message : String(error),
      });
      // Straight to the ack: `reply` logs, and the logger may be what threw.
      ack?.(refusal('internal', 'The server failed to handle this event'));
    };
    try {
      if (!allow()) {
        // Long enough for the bucket to refill a burst's worth.
        const pauseMs = Math.ceil((limits.eventBurst / limits.eventsPerSecond) * 1000);
        if (receivedAt >= pausedUntil && pauseReading(socket, pauseMs)) {
          pausedUntil = receivedAt + pauseMs;
        }
        reply(refusal('rate-limited', `More than ${limits.eventsPerSecond} events per second`));
        return;
      }
      if (!isRelayEvent(event)) {
        reply(refusal('invalid-payload', `unknown event ${JSON.stringify(event)}`));
        return;
      }
      const payload = ack === undefined ? args[0] : args.length > 1 ? args[0] : undefined;
      const result = validateRelayRequest(event, payload, limits);
      if (!result.ok) {
        reply(refusal(result.code, result.message));
        return;
      }
      const request = result.value;
      const { to } = request;
      if (to === socket.id) {
        reply(refusal('invalid-payload', '"to" is your own id; you cannot signal yourself'));
        return;
      }
      const relay = (target: Member | undefined): void => {
        const refused = refuseTarget(to, target);
        if (refused) {
          reply(refused);
          return;
        }
        emitRelayed(io, event, request, socket.id);
        metrics.relayed(event, (performance.now() - receivedAt) / 1000);
        logger.debug('relay', { event, from: socket.id, to });
        reply({ ok: true });
      };
      const target = lookup(to);
      if (target !== ASK_STORE) relay(target);
      else {
        store.find(to).then((found) => {
          try {
            relay(found);
          } catch (error) {
            fail(error);
          }
        }, fail);
      }
    } catch (error) {
      fail(error);
    }
  };
}
