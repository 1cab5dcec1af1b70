/**
 * What happens to an admitted socket: it joins its room's channels, gets `newUser` and (if it
 * asked for presence) the room's `peer:list`, is announced to the room, relays through
 * relay.ts, and is announced gone. Also the host's room administration. Both work alike on one
 * node and across nodes: announcements go through the adapter, rooms through the store.
 *
 * Presence costs O(room size) per arrival (one list to the joiner, one `peer:joined` to each
 * presence member) and nothing for tutorial clients, which are never sent presence events.
 */
import { Events, type RoomId } from '../common/protocol.js';
import type { SignalingSocket } from './admission.js';
import type { Identities } from './identity.js';
import type { Logger } from './log.js';
import type { ServerMetrics } from './metrics.js';
import type { ResolvedOptions } from './options.js';
import { createRelay, type SignalingIo } from './relay.js';
import { channelOf, presenceChannelOf, type RoomInvite, type RoomStore } from './rooms.js';
import { iceServersFor } from './turn.js';

export interface ConnectionDeps {
  io: SignalingIo;
  store: RoomStore;
  /** Whether the store is shared by several nodes (Redis). */
  shared: boolean;
  options: ResolvedOptions;
  /** Whether a socket of this node passed admission but has not connected yet. */
  pending: (id: string) => boolean;
  /** Peer ids: resume tokens, the socket holding each id here, grace before `peer:left`. */
  identities: Identities;
  logger: Logger;
  metrics: ServerMetrics;
}

/** Makes the `io.on('connection')` handler. */
export function createConnectionHandler({
  io,
  store,
  shared,
  options,
  pending,
  identities,
  logger,
  metrics,
}: ConnectionDeps): (socket: SignalingSocket) => void {
  const sockets = io.of('/').sockets;
  const { limits, ice } = options;
  const relay = createRelay({
    io,
    store,
    shared,
    limits,
    logger,
    metrics,
    socketOf: (id) => identities.socketOf(id),
  });

  const welcome = async (socket: SignalingSocket): Promise<void> => {
    const member = store.known(socket.data.peerId);
    if (member === undefined) return;
    const peers = await store.peersOf(member);
    if (socket.disconnected) return;
    socket.emit(Events.resume, { token: identities.tokens.issue(member.id, member.room) });
    socket.emit(Events.peerList, {
      room: member.room,
      self: { id: member.id, name: member.name },
      // Members still finishing their handshake are announced by their own `peer:joined`.
      peers: peers.filter((peer) => !pending(peer.id)),
      // Minted per connection: a reconnection gets fresh TURN credentials.
      ...(ice && { iceServers: iceServersFor(ice, socket.id) }),
    });
  };

  return (socket) => {
    const { room, name, presence, peerId } = socket.data;
    if (store.known(peerId) === undefined) {
      // Its room was closed between the handshake and now.
      socket.disconnect(true);
      return;
    }
    const channel = channelOf(room);
    const presenceChannel = presenceChannelOf(room);
    // Its peer id names a channel too (a no-op when it is the socket id): `io.to(peerId)` works.
    void socket.join(presence ? [peerId, channel, presenceChannel] : [peerId, channel]);
    identities.connected(socket);
    metrics.connections(1);
    metrics.rooms(store.roomCount);
    logger.info('connect', {
      id: socket.id,
      ...(peerId !== socket.id && { peer: peerId }),
      address: socket.handshake.address,
      room: room ?? '(default)',
      name,
      count: sockets.size,
    });
    socket.emit(Events.newUser, peerId);
    // Relays may start at once; the list follows as soon as the store answers.
    socket.onAny((event: unknown, ...args: unknown[]) => relay.handle(socket, event, args));
    if (presence) {
      welcome(socket).catch((error: unknown) => {
        logger.error('peer list failed', { id: socket.id, error: String(error) });
        socket.emit(Events.closing, {
          code: 'internal',
          message: 'The server could not list the room; reconnecting',
        });
        socket.conn.close();
      });
    }
    // Presence members only: a tutorial client's arrival is news to the app's clients alone.
    socket.to(presenceChannel).emit(Events.peerJoined, { id: peerId, name });
    socket.on('disconnect', (reason) => {
      metrics.connections(-1);
      logger.info('disconnect', { id: socket.id, reason, count: sockets.size });
      // A dropped peer may come back with its id (identity.ts): then it never left.
      identities.disconnected(socket, reason, () =>
        io.to(presenceChannel).emit(Events.peerLeft, { id: peerId }),
      );
    });
  };
}

export interface RoomAdminDeps {
  io: SignalingIo;
  store: RoomStore;
  logger: Logger;
  metrics: ServerMetrics;
}

/** `createRoom`, `rekeyRoom`, `closeRoom` of the {@link SignalingServer} (see server.ts). */
export function createRoomAdmin({ io, store, logger, metrics }: RoomAdminDeps) {
  return {
    createRoom: (): RoomInvite => {
      const invite = store.create();
      metrics.rooms(store.roomCount);
      logger.info('room created', { room: invite.room });
      return invite;
    },
    rekeyRoom: (room: RoomId): string => {
      const key = store.rekey(room);
      logger.info('room rekeyed', { room });
      return key;
    },
    closeRoom: (room: RoomId): void => {
      if (!store.close(room)) return;
      const channel = channelOf(room);
      const members = io.of('/').adapter.rooms.get(channel)?.size ?? 0;
      // Through the adapter: members on every node are disconnected.
      io.in(channel).disconnectSockets(true);
      metrics.rooms(store.roomCount);
      logger.info('room closed', { room, members });
    },
  };
}
