/**
 * Who is in which room, and which key opens it. Pure bookkeeping, no sockets: the admission
 * middleware asks {@link RoomStore.join}, the relay asks {@link RoomStore.known}. One node keeps
 * it in memory ({@link MemoryRoomStore}); nodes sharing Redis keep it there (redis-rooms.ts).
 */
import {
  isAccessKey,
  newRoomId,
  newRoomKey,
  type PeerId,
  type PeerInfo,
  type RoomId,
} from '../common/protocol.js';
import { digestOf, matchesDigest } from './secrets.js';

/** A peer as the registry knows it: its info and its room (`null`: the default room). */
export interface Member extends PeerInfo {
  room: RoomId | null;
  /**
   * Whether it gets `peer:list`, `peer:joined` and `peer:left`: it sent handshake auth. A
   * tutorial client sends none, and is spared traffic it would not read.
   */
  presence: boolean;
}

/** What a client asks to join with, once its handshake was checked. */
export interface JoinRequest {
  id: PeerId;
  /** `null`: the default room. */
  room: RoomId | null;
  key: string | null;
  name: string;
  presence: boolean;
}

/** A room and the key that opens it, as `createRoom()` hands them to the host. */
export interface RoomInvite {
  room: RoomId;
  key: string;
}

/**
 * The outcome of {@link RoomRegistry.join}. Refusal reasons are for logs and throttling only:
 * clients get one message for all of them but `no-default-room`, so a refusal never tells
 * whether a room exists.
 */
export type JoinResult =
  { ok: true; member: Member; created: boolean } | { ok: false; reason: JoinRefusal };

export type JoinRefusal = 'no-default-room' | 'no-key' | 'wrong-key' | 'unknown-room' | 'room-full';

export interface RoomPolicy {
  /** Whether clients naming no room join a shared default room. */
  defaultRoom: boolean;
  /** Whether the first client naming an unknown room creates it with its key. */
  openRooms: boolean;
  /** Members one room may hold (the default room too); the next joiner is refused `room-full`. */
  maxRoomMembers: number;
}

interface Room {
  /** SHA-256 of the key; `null` for the default room, which needs none. */
  keyDigest: Buffer | null;
  /** Made by `create()`: stays when empty, until `close()`. */
  persistent: boolean;
  members: Set<PeerId>;
}

/** The Socket.IO room every member of `room` joins; never equal to a socket id. */
export function channelOf(room: RoomId | null): string {
  return room === null ? 'default-room' : `room:${room}`;
}

/** The Socket.IO room of the members of `room` that get presence events (see `Member.presence`). */
export function presenceChannelOf(room: RoomId | null): string {
  return `presence:${channelOf(room)}`;
}

/** The rooms of one server: keys (as digests), policy, and who is in each. */
export class RoomRegistry {
  readonly #policy: RoomPolicy;
  readonly #rooms = new Map<RoomId, Room>();
  readonly #defaultRoom: Room = { keyDigest: null, persistent: true, members: new Set() };
  readonly #members = new Map<PeerId, Member>();

  constructor(policy: RoomPolicy) {
    this.#policy = policy;
  }

  /** Makes a room that lasts until {@link close}, with a fresh id and key. */
  create(): RoomInvite {
    let room = newRoomId();
    while (this.#rooms.has(room)) room = newRoomId();
    const key = newRoomKey();
    this.#rooms.set(room, { keyDigest: digestOf(key), persistent: true, members: new Set() });
    return { room, key };
  }

  /** Gives `room` a fresh key: the old one stops admitting at once; members stay. */
  rekey(room: RoomId): string {
    const entry = this.#rooms.get(room);
    if (entry === undefined) throw new Error(`No room "${room}" on this server`);
    const key = newRoomKey();
    entry.keyDigest = digestOf(key);
    return key;
  }

  /** Removes `room` and its members; returns their ids so the caller can disconnect them. */
  close(room: RoomId): PeerId[] {
    const entry = this.#rooms.get(room);
    if (entry === undefined) return [];
    this.#rooms.delete(room);
    for (const id of entry.members) this.#members.delete(id);
    return [...entry.members];
  }

  /** Whether `room` exists (the default room is not a named room). */
  has(room: RoomId): boolean {
    return this.#rooms.has(room);
  }

  /** Named rooms that exist now (the default room is not one). */
  get size(): number {
    return this.#rooms.size;
  }

  /**
   * Admits a peer to its room (`null`: the default room) if its key opens it and the room has
   * space, creating an unknown room when the policy allows, and records it as a member.
   */
  join({ id, room, key, name, presence }: JoinRequest): JoinResult {
    if (this.#members.has(id)) throw new Error(`Peer ${id} is already in a room`);
    let entry: Room | undefined;
    let created = false;
    if (room === null) {
      if (!this.#policy.defaultRoom) return { ok: false, reason: 'no-default-room' };
      entry = this.#defaultRoom;
    } else {
      entry = this.#rooms.get(room);
      if (key === null) return { ok: false, reason: 'no-key' };
      if (entry === undefined) {
        if (!this.#policy.openRooms) return { ok: false, reason: 'unknown-room' };
        if (!isAccessKey(key)) return { ok: false, reason: 'no-key' };
        entry = { keyDigest: digestOf(key), persistent: false, members: new Set() };
        this.#rooms.set(room, entry);
        created = true;
      } else if (entry.keyDigest === null || !matchesDigest(key, entry.keyDigest)) {
        return { ok: false, reason: 'wrong-key' };
      }
    }
    // A room this join just made is empty, so a cap of 1 or more never refuses it.
    if (entry.members.size >= this.#policy.maxRoomMembers)
      return { ok: false, reason: 'room-full' };
    const member: Member = { id, name, room, presence };
    entry.members.add(id);
    this.#members.set(id, member);
    return { ok: true, member, created };
  }

  /** Removes peer `id` from its room (a joiner-made room goes with its last member). */
  leave(id: PeerId): Member | undefined {
    const member = this.#members.get(id);
    if (member === undefined) return undefined;
    this.#members.delete(id);
    const entry = member.room === null ? this.#defaultRoom : this.#rooms.get(member.room);
    entry?.members.delete(id);
    if (member.room !== null && entry && !entry.persistent && entry.members.size === 0) {
      this.#rooms.delete(member.room);
    }
    return member;
  }

  /** The member with id `id`, if it is in a room. */
  member(id: PeerId): Member | undefined {
    return this.#members.get(id);
  }

  /** The other members of `id`'s room, as its peers see them. */
  peersOf(id: PeerId): PeerInfo[] {
    const member = this.#members.get(id);
    if (member === undefined) return [];
    const entry = member.room === null ? this.#defaultRoom : this.#rooms.get(member.room);
    const peers: PeerInfo[] = [];
    for (const other of entry?.members ?? []) {
      const info = this.#members.get(other);
      if (other !== id && info) peers.push({ id: info.id, name: info.name });
    }
    return peers;
  }
}

/**
 * The rooms and members every node of a deployment sees alike. Room administration is
 * synchronous, as `SignalingServer.createRoom()` is; admission and departures may wait on a
 * shared store. {@link RoomStore.known} answers without I/O, so a relay to a known peer costs no
 * round trip.
 */
export interface RoomStore {
  /** Makes a room that lasts until {@link RoomStore.close}, with a fresh id and key. */
  create(): RoomInvite;
  /** Gives `room` a fresh key; throws for a room this node does not know. */
  rekey(room: RoomId): string;
  /** Forgets `room` (the caller disconnects its members); `false` when it was unknown here. */
  close(room: RoomId): boolean;
  /** Admits a peer, atomically with the room's key and member cap (see {@link RoomRegistry.join}). */
  join(request: JoinRequest): Promise<JoinResult>;
  /** Removes a member; a joiner-made room goes with its last member on any node. */
  leave(id: PeerId): Promise<Member | undefined>;
  /** A member this node knows without asking anyone: its own, or one it looked up before. */
  known(id: PeerId): Member | undefined;
  /** The member `id` wherever it is connected; `undefined` when it is connected nowhere. */
  find(id: PeerId): Promise<Member | undefined>;
  /** The other members of `member`'s room, on every node. */
  peersOf(member: Member): Promise<PeerInfo[]>;
  /** Rooms this node knows now, for the `rooms` metric. */
  readonly roomCount: number;
}

/** The store of a single node: a {@link RoomRegistry} in memory, every answer at once. */
export class MemoryRoomStore implements RoomStore {
  readonly #registry: RoomRegistry;

  constructor(policy: RoomPolicy) {
    this.#registry = new RoomRegistry(policy);
  }

  get roomCount(): number {
    return this.#registry.size;
  }

  create(): RoomInvite {
    return this.#registry.create();
  }

  rekey(room: RoomId): string {
    return this.#registry.rekey(room);
  }

  close(room: RoomId): boolean {
    if (!this.#registry.has(room)) return false;
    this.#registry.close(room);
    return true;
  }

  join(request: JoinRequest): Promise<JoinResult> {
    return Promise.resolve(this.#registry.join(request));
  }

  leave(id: PeerId): Promise<Member | undefined> {
    return Promise.resolve(this.#registry.leave(id));
  }

  known(id: PeerId): Member | undefined {
    return this.#registry.member(id);
  }

  /** Memory knows every member: what {@link known} does not is connected nowhere. */
  find(id: PeerId): Promise<Member | undefined> {
    return Promise.resolve(this.#registry.member(id));
  }

  peersOf(member: Member): Promise<PeerInfo[]> {
    return Promise.resolve(this.#registry.peersOf(member.id));
  }
}
