/**
 * The signaling server: node:https + Socket.IO v4. It serves the built call page to browsers,
 * admits each client to one room through its handshake (admission.ts), and relays offers,
 * answers, ICE candidates, ringing and hang-ups between members of the same room (relay.ts).
 * This module creates, wires and closes; the wire contract is common/protocol.ts.
 */
import { createServer, type Server as HttpsServer } from 'node:https';
import { Server } from 'socket.io';
import { Events, type RoomId } from '../common/protocol.js';
import { createAdmission, type SignalingSocket } from './admission.js';
import { createLogger } from './log.js';
import { resolveOptions, type SignalingServerOptions } from './options.js';
import { createRelayHandler, type SignalingIo } from './relay.js';
import { channelOf, RoomRegistry, type RoomInvite } from './rooms.js';
import { createStaticHandler, sendText } from './static-files.js';
import { fingerprintOf } from './tls.js';

export {
  DEFAULTS,
  MIN_ACCESS_KEY_LENGTH,
  normalizeOrigin,
  type ServerLimits,
  type SignalingServerOptions,
} from './options.js';
export type { SignalingIo } from './relay.js';
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
  /** Disconnects every client, closes Socket.IO and the HTTPS server. Idempotent. */
  close(): Promise<void>;
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

  const handleStatic = createStaticHandler(options.staticDir, logger);
  const https = createServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) => {
    try {
      handleStatic(req, res);
    } catch (error) {
      logger.error('request failed', { error: String(error) });
      if (!res.headersSent) sendText(req, res, 500, 'Internal server error');
      else res.destroy();
    }
  });
  // A failed TLS handshake (e.g. a browser refusing the self-signed certificate) is routine.
  https.on('tlsClientError', (error) => {
    logger.debug('tls client error', { error: error.message });
  });

  const port = await listen(https, resolved.port, host);
  const io: SignalingIo = new Server(https, {
    serveClient: true,
    maxHttpBufferSize: limits.maxPayloadBytes + TRANSPORT_MARGIN_BYTES,
  });
  const sockets = io.of('/').sockets;
  const registry = new RoomRegistry(resolved);
  const admission = createAdmission({
    options: resolved,
    registry,
    logger,
    connectedCount: () => sockets.size,
  });
  io.use(admission.middleware);

  io.on('connection', (socket: SignalingSocket) => {
    admission.connected(socket);
    const { room, name } = socket.data;
    if (registry.member(socket.id) === undefined) {
      // Its room was closed between the handshake and now.
      socket.disconnect(true);
      return;
    }
    const channel = channelOf(room);
    void socket.join(channel);
    logger.info('connect', {
      id: socket.id,
      address: socket.handshake.address,
      room: room ?? '(default)',
      name,
      count: sockets.size,
    });
    socket.emit(Events.newUser, socket.id);
    socket.emit(Events.peerList, {
      room,
      self: { id: socket.id, name },
      // Members still finishing their handshake are announced by their own `peer:joined`.
      peers: registry.peersOf(socket.id).filter((peer) => sockets.has(peer.id)),
    });
    socket.to(channel).emit(Events.peerJoined, { id: socket.id, name });
    socket.onAny(createRelayHandler(socket, { io, registry, limits, logger }));
    socket.on('disconnect', (reason) => {
      logger.info('disconnect', { id: socket.id, reason, count: sockets.size });
      io.to(channel).emit(Events.peerLeft, { id: socket.id });
    });
  });

  const createRoom = (): RoomInvite => {
    const invite = registry.create();
    logger.info('room created', { room: invite.room });
    return invite;
  };
  const rekeyRoom = (room: RoomId): string => {
    const key = registry.rekey(room);
    logger.info('room rekeyed', { room });
    return key;
  };
  const closeRoom = (room: RoomId): void => {
    if (!registry.has(room)) return;
    const members = registry.close(room);
    for (const id of members) sockets.get(id)?.disconnect(true);
    logger.info('room closed', { room, members: members.length });
  };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((done) => {
      // Keep-alive page requests must not hold the shutdown open for long.
      const force = setTimeout(() => https.closeAllConnections(), 1000);
      force.unref();
      void io.close(() => {
        clearTimeout(force);
        done();
      });
      https.closeIdleConnections();
    });
    return closing;
  };

  logger.info('listening', { url: urlFor(host, port), host, port, fingerprint });
  return {
    url: urlFor(host, port),
    port,
    fingerprint,
    io,
    createRoom,
    rekeyRoom,
    closeRoom,
    close,
  };
}
