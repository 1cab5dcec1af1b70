/**
 * The handshake gate: Socket.IO middleware that decides, before a client learns anything,
 * whether it may connect, and to which room. A refusal is `next(err)` with
 * `err.data = {code}`, which the client receives as `connect_error`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ExtendedError, Socket } from 'socket.io';
import {
  validateHandshake,
  type ClientToServerEvents,
  type ConnectErrorData,
  type ErrorCode,
  type PeerId,
  type RoomId,
  type ServerToClientEvents,
} from '../common/protocol.js';
import type { InterServerEvents } from './cluster.js';
import type { Identities } from './identity.js';
import type { Logger } from './log.js';
import type { ServerMetrics } from './metrics.js';
import type { RelaySocketState } from './relay.js';
import type { ResolvedOptions } from './options.js';
import { FailureThrottle } from './rate-limits.js';
import type { JoinRefusal, JoinResult, RoomStore } from './rooms.js';
import { digestOf, matchesDigest } from './secrets.js';

/** What the server keeps on each admitted socket (`socket.data`). */
export interface SocketData {
  /** The room joined; `null` for the default room. */
  room: RoomId | null;
  name: string;
  /** Whether it gets presence events (it sent handshake auth; see `Member.presence`). */
  presence: boolean;
  /** The id its room knows it by: its socket id, or the one its resume token gave back. */
  peerId: PeerId;
  /** The relay's counters for it, from its first event on (relay.ts). */
  relay?: RelaySocketState;
}

/** A server-side socket, typed from the wire contract. */
export type SignalingSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;

/** `io.use()` middleware. */
export type Middleware = (socket: SignalingSocket, next: (error?: ExtendedError) => void) => void;

const INVITE_ONLY = 'This server admits invited people only: open the invite link you were given';
/** One message for an unknown room and a wrong key, so a refusal never says which rooms exist. */
const WRONG_ROOM_OR_KEY =
  'This room does not open with that key: open the invite link again, or ask for a new one';

const ROOM_REFUSALS: Record<JoinRefusal, [ErrorCode, string]> = {
  'no-default-room': ['unauthorized', INVITE_ONLY],
  'no-key': ['unauthorized', WRONG_ROOM_OR_KEY],
  'wrong-key': ['unauthorized', WRONG_ROOM_OR_KEY],
  'unknown-room': ['unauthorized', WRONG_ROOM_OR_KEY],
  // Said only to holders of the right key: it tells nothing to a guesser.
  'room-full': ['room-full', 'This room is full: ask someone in it to make space, then try again'],
};

/** A `connect_error` for the client: a message people can act on and a code clients switch on. */
function connectError(code: ErrorCode, message: string): ExtendedError {
  const error = new Error(message) as Error & { data: ConnectErrorData };
  error.data = { code };
  return error;
}

/**
 * Whether a browser page may open a connection. Browsers send `Origin` and pages cannot forge
 * it, so a page from another site (cross-site WebSocket hijacking) is refused; Node clients send
 * none and are judged by their keys alone.
 */
export function originAllowed(
  headers: IncomingHttpHeaders,
  allowedOrigins: ReadonlySet<string>,
): boolean {
  const { origin, host } = headers;
  if (origin === undefined) return true;
  if (allowedOrigins.has(origin)) return true;
  try {
    // The page this server served has the server's own host:port as its origin.
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    return false; // `Origin: null` (sandboxed frames, files) and garbage.
  }
}

export interface AdmissionDeps {
  options: ResolvedOptions;
  store: RoomStore;
  logger: Logger;
  metrics: ServerMetrics;
  /** How many sockets are connected now (Socket.IO's own count). */
  connectedCount: () => number;
  /** Who resumes which peer id (identity.ts). */
  identities: Identities;
}

/**
 * Makes the admission middleware. In order: origin, wrong-key shut-out, connection caps, the
 * handshake's shape, the access key, the room (its key and member cap, asked of the store). An
 * admitted socket is a room member and counted until its connection closes; `socket.data` holds
 * its room and name.
 */
export function createAdmission({
  options,
  store,
  logger,
  metrics,
  connectedCount,
  identities,
}: AdmissionDeps) {
  const { limits, allowedOrigins } = options;
  const accessKeyDigest = options.accessKey === undefined ? null : digestOf(options.accessKey);
  const wrongKeys = new FailureThrottle({
    limit: limits.wrongKeyLimit,
    windowMs: limits.wrongKeyWindowMs,
  });
  // Sockets past the middleware but not yet connected count too, so a burst cannot overshoot.
  const admitting = new Set<string>();
  const perAddress = new Map<string, number>();

  /**
   * Counts a socket from before its room answers (so a burst cannot overshoot the caps while the
   * store is asked) until its connection closes; the returned function undoes the counts and the
   * membership `joining` brings, once, whichever end closes first.
   */
  const track = (
    socket: SignalingSocket,
    address: string,
    joining: Promise<JoinResult>,
  ): (() => void) => {
    admitting.add(socket.id);
    perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      admitting.delete(socket.id);
      // After the join settled, so a connection that dies while admitted leaves no member behind.
      void joining
        .catch(() => undefined) // A failed join is reported by the middleware.
        .then((joined) => (joined?.ok ? store.leave(joined.member.id) : undefined))
        .then(() => metrics.rooms(store.roomCount))
        .catch((error: unknown) => {
          logger.error('leave failed', { id: socket.id, error: String(error) });
        });
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
      socket.conn.off('close', release);
      socket.off('disconnect', release);
    };
    // `disconnect` alone misses a socket whose connection dies before it connected; the
    // connection's `close` alone misses a namespace disconnect on a connection that stays open.
    socket.conn.once('close', release);
    socket.once('disconnect', release);
    return release;
  };

  const middleware: Middleware = (socket, next) => {
    const { address, headers, auth } = socket.handshake;
    const refuse = (code: ErrorCode, message: string, reason: string): void => {
      logger.warn('refused', { code, reason, address });
      metrics.refused(code);
      next(connectError(code, message));
    };

    if (!originAllowed(headers, allowedOrigins)) {
      refuse('forbidden', 'This server does not take connections from that page', 'origin');
      return;
    }
    const waitMs = wrongKeys.retryAfterMs(address);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      refuse(
        'rate-limited',
        `Too many wrong keys from your address: wait ${seconds} s before trying again`,
        'wrong-keys',
      );
      return;
    }
    if (connectedCount() + admitting.size >= limits.maxConnections) {
      refuse(
        'server-full',
        `Server full: it already has ${limits.maxConnections} connections; try again later`,
        'max-connections',
      );
      return;
    }
    if ((perAddress.get(address) ?? 0) >= limits.maxConnectionsPerAddress) {
      refuse(
        'too-many-connections',
        `Your address already has ${limits.maxConnectionsPerAddress} connections to this server`,
        'max-connections-per-address',
      );
      return;
    }
    const checked = validateHandshake(auth, limits);
    if (!checked.ok) {
      refuse(checked.code, checked.message, 'handshake');
      return;
    }
    const { room, key, name, accessKey, resume } = checked.value;
    if (accessKeyDigest !== null) {
      if (accessKey === null) {
        refuse(
          'unauthorized',
          'This server needs its access key: ask its operator',
          'no-access-key',
        );
        return;
      }
      if (!matchesDigest(accessKey, accessKeyDigest)) {
        wrongKeys.recordFailure(address);
        refuse('unauthorized', 'Wrong access key for this server', 'wrong-access-key');
        return;
      }
    }
    const admit = (id: PeerId): Promise<JoinResult> =>
      store.join({
        id,
        room,
        key,
        name: name ?? `Guest ${id.slice(0, 4)}`,
        // A tutorial client sends no auth at all; the app's page always sends its name.
        presence: room !== null || key !== null || name !== null || accessKey !== null,
      });
    // A resuming client first gets its peer id back (identity.ts); the others are their socket.
    const joining =
      resume === undefined ? admit(socket.id) : identities.claim(socket, resume, room).then(admit);
    const release = track(socket, address, joining);
    joining.then(
      (joined) => {
        if (!joined.ok) {
          release();
          // Presenting a key that does not open the named room is a guess; naming none is not.
          if (joined.reason === 'wrong-key' || (joined.reason === 'unknown-room' && key !== null)) {
            wrongKeys.recordFailure(address);
          }
          const [code, message] = ROOM_REFUSALS[joined.reason];
          refuse(code, message, joined.reason);
          return;
        }
        const { member } = joined;
        socket.data = {
          room: member.room,
          name: member.name,
          presence: member.presence,
          peerId: member.id,
        };
        next();
      },
      (error: unknown) => {
        release();
        logger.error('room store failed', { error: String(error) });
        refuse('internal', 'The server cannot admit anyone right now; try again shortly', 'store');
      },
    );
  };

  return {
    middleware,
    /** Call when a socket connected: it now counts in Socket.IO's own tally. */
    connected: (socket: SignalingSocket): void => {
      admitting.delete(socket.id);
    },
    /** Whether socket `id` of this node is past (or in) admission but not connected yet. */
    pending: (id: string): boolean => admitting.has(id),
  };
}
