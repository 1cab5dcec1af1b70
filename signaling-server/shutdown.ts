/**
 * Graceful shutdown: stop accepting, fail readiness, tell every client `server:closing`
 * (`going-away`) and close its transport. Closing the transport, rather than a Socket.IO
 * disconnect (which tells the client not to reconnect), lets clients reconnect through the
 * balancer to another node. Connections still open at the deadline are cut.
 */
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { ExtendedError } from 'socket.io';
import { Events, type ClosingNotice, type ConnectErrorData } from '../common/protocol.js';
import type { Middleware, SignalingSocket } from './admission.js';
import type { Health } from './health.js';
import type { Logger } from './log.js';
import type { SignalingIo } from './relay.js';

/** How long clients get to leave before their connections are cut. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

const GOING_AWAY: ClosingNotice = {
  code: 'going-away',
  message: 'This server is shutting down: reconnecting',
};

export interface ShutdownOptions {
  /**
   * How long clients get to leave before their connections are cut; the close resolves soon
   * after either.
   * @default 10000
   */
  timeoutMs?: number;
  /** What clients are told in `server:closing`. @default 'This server is shutting down: reconnecting' */
  message?: string;
}

export interface ShutdownDeps {
  io: SignalingIo;
  https: HttpsServer;
  /** From {@link trackConnections}. */
  connections: ReadonlySet<Socket>;
  health: Health;
  logger: Logger;
}

/**
 * The server's open TCP connections, so a shutdown can cut those left at its deadline. Call
 * before the server listens: a connection accepted earlier would escape the count.
 */
export function trackConnections(https: HttpsServer): ReadonlySet<Socket> {
  const connections = new Set<Socket>();
  https.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  return connections;
}

/** Resolves once `socket` has disconnected. */
function disconnected(socket: SignalingSocket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.disconnected) resolve();
    else socket.once('disconnect', () => resolve());
  });
}

/**
 * Makes the shutdown of one server: `close` (idempotent) and a middleware that refuses
 * handshakes with `going-away` once it started.
 */
export function createShutdown({ io, https, connections, health, logger }: ShutdownDeps) {
  const run = async ({ timeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS, message }: ShutdownOptions) => {
    const started = performance.now();
    health.markShuttingDown();
    // No new connections; `close` also lets go of idle keep-alive ones, the sweep of later ones.
    https.close();
    https.closeIdleConnections();
    const sweep = setInterval(() => https.closeIdleConnections(), 250);
    const sockets = [...io.of('/').sockets.values()];
    logger.info('shutting down', { clients: sockets.length, timeoutMs });
    const notice: ClosingNotice = { ...GOING_AWAY, ...(message !== undefined && { message }) };
    for (const socket of sockets) {
      socket.emit(Events.closing, notice);
      // Engine.IO flushes the notice before it closes the transport.
      socket.conn.close();
    }

    // io.close() closes what is left (handshakes in flight, adapters) and waits for the
    // listener's last connection.
    const finished = Promise.all(sockets.map(disconnected))
      .then(() => io.close())
      .then(() => 'done' as const);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([finished, deadline]);
    clearTimeout(timer);
    clearInterval(sweep);
    if (outcome === 'timeout') {
      logger.warn('shutdown deadline reached: cutting connections', {
        connections: connections.size,
        timeoutMs,
      });
      for (const connection of connections) connection.destroy();
      await finished;
    }
    logger.info('stopped', { ms: Math.round(performance.now() - started) });
  };

  let closing: Promise<void> | undefined;
  return {
    close: (options: ShutdownOptions = {}): Promise<void> => {
      closing ??= run(options);
      return closing;
    },
    /** Refuses handshakes during the shutdown, so a client retries elsewhere. */
    middleware: ((_socket, next) => {
      if (!health.shuttingDown) {
        next();
        return;
      }
      const error = new Error(GOING_AWAY.message) as ExtendedError & { data: ConnectErrorData };
      error.data = { code: 'going-away' };
      next(error);
    }) satisfies Middleware,
  };
}
