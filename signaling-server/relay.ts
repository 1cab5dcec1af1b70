/**
 * The per-socket event handler: every client event is rate-checked, validated, and relayed to
 * its target in the sender's room with `from` stamped by the server, then acked. A handler
 * never throws out to Socket.IO: a failure becomes an `internal` ack.
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
import type { Logger } from './log.js';
import type { ServerLimits } from './options.js';
import { tokenBucket } from './rate-limits.js';
import type { RoomRegistry } from './rooms.js';

/** The Socket.IO server type, typed from the wire contract. */
export type SignalingIo = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
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
  registry: RoomRegistry;
  limits: ServerLimits;
  logger: Logger;
}

/** Makes the `socket.onAny` handler of one connected socket. */
export function createRelayHandler(
  socket: SignalingSocket,
  { io, registry, limits, logger }: RelayDeps,
): (event: unknown, ...args: unknown[]) => void {
  const sockets = io.of('/').sockets;
  const allow = tokenBucket(limits.eventsPerSecond, limits.eventBurst);

  /** Why `socket` may not reach `to`, or `null` when it may. */
  const refuseTarget = (to: PeerId): Ack | null => {
    if (to === socket.id) {
      return refusal('invalid-payload', '"to" is your own id; you cannot signal yourself');
    }
    const target = registry.member(to);
    if (!sockets.has(to) || target === undefined) {
      return refusal('unknown-peer', `No peer ${JSON.stringify(to)} is connected`);
    }
    const sender = registry.member(socket.id);
    if (sender === undefined || sender.room !== target.room) {
      return refusal('forbidden', `Peer ${JSON.stringify(to)} is not in your room`);
    }
    return null;
  };

  return (event, ...args) => {
    const last = args.at(-1);
    const ack = typeof last === 'function' ? (last as (ack: Ack) => void) : undefined;
    const reply = (answer: Ack): void => {
      if (!answer.ok) {
        logger.debug('refused event', { id: socket.id, event: String(event), code: answer.code });
      }
      ack?.(answer);
    };
    try {
      if (!allow()) {
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
      const { to } = result.value;
      const refused = refuseTarget(to);
      if (refused) {
        reply(refused);
        return;
      }
      emitRelayed(io, event, result.value, socket.id);
      logger.debug('relay', { event, from: socket.id, to });
      reply({ ok: true });
    } catch (error) {
      logger.error('event handler failed', {
        id: socket.id,
        event: String(event),
        error: error instanceof Error ? error.message : String(error),
      });
      // Straight to the ack: `reply` logs, and the logger may be what threw.
      ack?.(refusal('internal', 'The server failed to handle this event'));
    }
  };
}
