/**
 * The signaling server: node:https + Socket.IO v4. It serves the built call page to browsers,
 * admits each client to one room through its handshake (admission.ts), and relays offers,
 * answers, ICE candidates, ringing and hang-ups between members of the same room (relay.ts).
 * This module creates, wires and closes; the wire contract is common/protocol.ts.
 */
import { createServer, type Server as HttpsServer } from 'node:https';
import { Server } from 'socket.io';
import type { RoomId } from '../common/protocol.js';
import { createAdmission, type SignalingSocket } from './admission.js';
import { createHealthHandler, Health } from './health.js';
import { Identities } from './identity.js';
import { createLogger } from './log.js';
import { noMetrics } from './metrics.js';
import { resolveOptions, type SignalingServerOptions } from './options.js';
import type { Cluster } from './cluster.js';
import { createConnectionHandler, createRoomAdmin } from './connections.js';
import type { SignalingIo } from './relay.js';
import { MemoryRoomStore, type RoomInvite, type RoomStore } from './rooms.js';
import { createShutdown, trackConnections, type ShutdownOptions } from './shutdown.js';
import { createStaticHandler, sendText } from './static-files.js';
import { fingerprintOf } from './tls.js';
import { describeIceConfig } from './turn.js';

export {
  DEFAULTS,
  MIN_ACCESS_KEY_LENGTH,
  normalizeOrigin,
  type ServerLimits,
  type SignalingServerOptions,
} from './options.js';
export type { ReadinessProbe } from './health.js';
export type { SignalingIo } from './relay.js';
export type { ShutdownOptions } from './shutdown.js';
export type { RoomInvite } from './rooms.js';

/**
 * Room for the Socket.IO packet around a payload: packet type, ack id, the JSON array with the
 * event name, and any extra arguments a client adds. A message past the transport buffer drops
 * the connection; one between `maxPayloadBytes` and the buffer gets a `too-large` ack. Kept small
 * so a client cannot make the server parse much more than the payload limit.
 */
export const TRANSPORT_MARGIN_BYTES = 1024;

export interface SignalingServer {
  /** `https://<host>:<port>`, with 127.0.0.1 in place of a wildcard host. */
  url: string;
  /** The port actually bound (useful with `port: 0`). */
  port: number;
  /** SHA-256 fingerprint of the served certificate, `AB:CD:…`. */
  fingerprint: string;
  io: SignalingIo;
  /** Makes a room with a fresh id and key; it lasts until {@link SignalingServer.closeRoom}. */
  createRoom(): RoomInvite;
  /**
   * Gives `room` a fresh key and returns it: the old key stops admitting at once, members
   * already in stay. Throws for an unknown room.
   */
  rekeyRoom(room: RoomId): string;
  /** Removes `room` and disconnects its members. Does nothing for an unknown room. */
  closeRoom(room: RoomId): void;
  /** `/healthz`: add readiness probes of dependencies here (`health.addProbe('redis', …)`). */
  health: Health;
  /**
   * Stops accepting, tells every client `server:closing` (`going-away`) and closes its
   * transport so it reconnects elsewhere, then closes Socket.IO and the HTTPS server; cuts
   * connections still open after `timeoutMs`. Idempotent.
   */
  close(options?: ShutdownOptions): Promise<void>;
}

/** A URL a client on this machine can use: wildcard and IPv6 hosts made connectable. */
function urlFor(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `https://${name.includes(':') ? `[${name}]` : name}:${port}`;
}

function listen(server: HttpsServer, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const reason =
        error.code === 'EADDRINUSE'
          ? 'the port is already in use'
          : error.code === 'EACCES'
            ? 'permission denied'
            : error.code === 'EADDRNOTAVAIL'
              ? 'no interface of this machine has that address'
              : error.message;
      reject(
        Object.assign(new Error(`Cannot listen on ${host}:${port}: ${reason}`, { cause: error }), {
          code: error.code,
        }),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolvePort(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Starts the HTTPS + Socket.IO signaling server; resolves once it listens. */
export async function createSignalingServer(
  options: SignalingServerOptions,
): Promise<SignalingServer> {
  const resolved = resolveOptions(options);
  const { host, limits } = resolved;
  const logger = options.logger ?? createLogger('appel:server');
  const fingerprint = fingerprintOf(options.tls.cert);

  const health = new Health(logger);
  const { metricsToken } = options;
  // prom-client and the Redis clients are loaded only by servers that use them: megabytes of
  // code and heap that a server without /metrics or Redis never needs.
  const prometheus = metricsToken === undefined ? undefined : await import('./prometheus.js');
  const metrics = options.metrics ?? prometheus?.createPrometheusMetrics() ?? noMetrics;
  // Health and metrics answer before the page, whatever files it holds.
  const endpoints = [createHealthHandler(health)];
  if (prometheus && metricsToken !== undefined) {
    endpoints.push(prometheus.createMetricsHandler(metrics, metricsToken));
  }
  const handleStatic = createStaticHandler(options.staticDir, logger);
  // A TLS handshake gets the same bound as the Socket.IO one (Node's default is 120 s).
  const tlsOptions = { ...options.tls, handshakeTimeout: limits.handshakeTimeoutMs };
  const https = createServer(tlsOptions, (req, res) => {
    try {
      if (!endpoints.some((handle) => handle(req, res))) handleStatic(req, res);
    } catch (error) {
      logger.error('request failed', { error: String(error) });
      if (!res.headersSent) sendText(req, res, 500, 'Internal server error');
      else res.destroy();
    }
  });
  const connections = trackConnections(https);
  // A failed TLS handshake (e.g. a browser refusing the self-signed certificate) is routine.
  https.on('tlsClientError', (error) => {
    logger.debug('tls client error', { error: error.message });
  });

  const port = await listen(https, resolved.port, host);
  const io: SignalingIo = new Server(https, {
    serveClient: true,
    maxHttpBufferSize: limits.maxPayloadBytes + TRANSPORT_MARGIN_BYTES,
    connectTimeout: limits.handshakeTimeoutMs,
  });
  const sockets = io.of('/').sockets;
  const policy = { ...resolved, maxRoomMembers: limits.maxRoomMembers };
  let cluster: Cluster | undefined;
  if (resolved.redis !== undefined) {
    const url = resolved.redis;
    cluster = await import('./cluster.js')
      .then(({ createCluster }) => createCluster({ url, io, policy, logger }))
      .catch(async (error: unknown) => {
        await io.close();
        throw error;
      });
  }
  if (cluster) {
    health.addProbe('redis', async () => {
      if (!(await cluster.ready())) throw new Error('Redis does not answer');
    });
  }
  const store: RoomStore = cluster?.store ?? new MemoryRoomStore(policy);
  // Resume tokens are signed with a key derived from the TLS key: a restart keeps them valid.
  const identities = new Identities({
    io,
    store,
    tlsKey: options.tls.key,
    graceMs: limits.resumeGraceMs,
    logger,
  });
  const admission = createAdmission({
    options: resolved,
    store,
    logger,
    metrics,
    connectedCount: () => sockets.size,
    identities,
  });
  const shutdown = createShutdown({ io, https, connections, health, logger });
  io.use(shutdown.middleware);
  io.use(admission.middleware);

  const onConnection = createConnectionHandler({
    io,
    store,
    shared: cluster !== undefined,
    options: resolved,
    pending: admission.pending,
    identities,
    logger,
    metrics,
  });
  io.on('connection', (socket: SignalingSocket) => {
    admission.connected(socket);
    onConnection(socket);
  });
  const { createRoom, rekeyRoom, closeRoom } = createRoomAdmin({ io, store, logger, metrics });

  health.markListening();
  logger.info('listening', {
    url: urlFor(host, port),
    host,
    port,
    fingerprint,
    ...(resolved.ice && describeIceConfig(resolved.ice)),
  });
  return {
    url: urlFor(host, port),
    port,
    fingerprint,
    io,
    createRoom,
    rekeyRoom,
    closeRoom,
    health,
    // Redis goes last: the departures of the clients the shutdown closed must reach it.
    close: (closeOptions) => {
      // Departures waiting for a comeback are announced while the adapter still carries them.
      identities.flush();
      return shutdown.close(closeOptions).then(() => cluster?.close());
    },
  };
}
