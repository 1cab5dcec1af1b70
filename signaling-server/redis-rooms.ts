/**
 * The rooms of a deployment kept in Redis, so every node admits, refuses, lists and relays
 * alike. Admission and departure are Lua scripts (atomic with the room's key and member cap);
 * a node knows its own members without I/O and caches the remote ones it relays to, dropping
 * them when the node that held them says they left ({@link RedisRoomStore.forget}).
 *
 * Keys, under `appel:`: `room:<room>` (hash: key digest, persistent), `members:<channel>` (hash:
 * id → {name, presence}), `peer:<id>` (the member and its node), `node:<node>` (liveness, with
 * a TTL), `node-peers:<node>` (the ids a node holds, for purging a node that died), `nodes`.
 * One Redis, not Redis Cluster: the purge script computes keys.
 */
import { randomUUID } from 'node:crypto';
import type { createClient } from 'redis';
import {
  isAccessKey,
  newRoomId,
  newRoomKey,
  type PeerId,
  type PeerInfo,
  type RoomId,
} from '../common/protocol.js';
import type { Logger } from './log.js';
import {
  channelOf,
  type JoinRefusal,
  type JoinRequest,
  type JoinResult,
  type Member,
  type RoomInvite,
  type RoomPolicy,
  type RoomStore,
} from './rooms.js';
import { digestOf } from './secrets.js';

/** The node-redis client the store and the adapter's publisher share. */
export type RedisClient = ReturnType<typeof createClient>;

/** How often a node renews its liveness and looks for dead nodes. */
export const HEARTBEAT_MS = 5000;
/** A node that has not renewed its liveness for this long is dead; its members are purged. */
export const NODE_TTL_MS = 3 * HEARTBEAT_MS;
/** Remote members cached per node; past it the oldest go (they are looked up again if needed). */
const MAX_CACHED = 10_000;

const JOIN = `
local created = 0
if ARGV[2] == '1' then
  local digest = redis.call('HGET', KEYS[1], 'digest')
  if not digest then
    if ARGV[4] ~= '1' then return 'unknown-room' end
    redis.call('HSET', KEYS[1], 'digest', ARGV[3], 'persistent', '0')
    created = 1
  elseif digest ~= ARGV[3] then
    return 'wrong-key'
  end
end
if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[5]) then
  if created == 1 then redis.call('DEL', KEYS[1]) end
  return 'room-full'
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[6])
redis.call('SET', KEYS[3], ARGV[7])
redis.call('SADD', KEYS[4], ARGV[1])
if created == 1 then return 'created' end
return 'ok'`;

const LEAVE = `
local removed = redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
redis.call('SREM', KEYS[4], ARGV[1])
if ARGV[2] == '1' and redis.call('HLEN', KEYS[2]) == 0
    and redis.call('HGET', KEYS[1], 'persistent') == '0' then
  redis.call('DEL', KEYS[1])
end
return removed`;

/** Removes every member of dead node ARGV[1]; returns `id, room, id, room, …`. */
const PURGE = `
local prefix = ARGV[2]
local gone = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local raw = redis.call('GET', prefix .. 'peer:' .. id)
  if raw then
    local peer = cjson.decode(raw)
    local members = prefix .. 'members:' .. peer.channel
    redis.call('HDEL', members, id)
    redis.call('DEL', prefix .. 'peer:' .. id)
    if peer.room ~= '' and redis.call('HLEN', members) == 0 then
      local room = prefix .. 'room:' .. peer.room
      if redis.call('HGET', room, 'persistent') == '0' then redis.call('DEL', room) end
    end
    table.insert(gone, id)
    table.insert(gone, peer.room)
  end
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return gone`;

const REKEY = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'digest', ARGV[1])
return 1`;

/** `peer:<id>` as stored: the member, its channel for the purge, and the node holding it. */
interface PeerRecord {
  name: string;
  /** `''` for the default room (Lua's cjson has no clean null). */
  room: string;
  channel: string;
  presence: boolean;
  node: string;
}

/** A `members:<channel>` value. */
interface MemberRecord {
  name: string;
  presence: boolean;
}

export interface RedisRoomStoreOptions {
  client: RedisClient;
  policy: RoomPolicy;
  logger: Logger;
  /** Key prefix. @default 'appel:' */
  prefix?: string;
  /** Called once Redis took a departure from this node: other nodes must forget the peer. */
  onLeft?: (id: PeerId) => void;
}

function parseJson<T>(raw: unknown): T | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined; // Not written by Appel: treated as absent.
  }
}

const REFUSALS: ReadonlySet<string> = new Set<JoinRefusal>([
  'unknown-room',
  'wrong-key',
  'room-full',
]);

export class RedisRoomStore implements RoomStore {
  /** This node's id in Redis: liveness key, and the owner of the members it admitted. */
  readonly node = randomUUID();
  readonly #client: RedisClient;
  readonly #policy: RoomPolicy;
  readonly #logger: Logger;
  readonly #prefix: string;
  readonly #local = new Map<PeerId, Member>();
  readonly #remote = new Map<PeerId, Member>();
  readonly #lookups = new Map<PeerId, Promise<Member | undefined>>();
  /** Bumped by every {@link forget}, so a lookup that raced a departure is not cached. */
  #epoch = 0;
  /** Rooms this node made or has members in, with how many of each: the `rooms` metric. */
  readonly #roomRefs = new Map<RoomId, number>();
  readonly #created = new Set<RoomId>();
  /** Departures Redis did not take (it was unreachable), retried on every heartbeat. */
  readonly #unfinished = new Map<PeerId, Member>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #onLeft: (id: PeerId) => void;

  constructor({ client, policy, logger, prefix = 'appel:', onLeft }: RedisRoomStoreOptions) {
    this.#onLeft = onLeft ?? (() => undefined);
    this.#client = client;
    this.#policy = policy;
    this.#logger = logger;
    this.#prefix = prefix;
  }

  get roomCount(): number {
    return this.#roomRefs.size;
  }

  #key(...parts: string[]): string {
    return this.#prefix + parts.join(':');
  }

  #ref(room: RoomId | null, delta: 1 | -1): void {
    if (room === null) return;
    const count = (this.#roomRefs.get(room) ?? 0) + delta;
    if (count > 0) this.#roomRefs.set(room, count);
    else this.#roomRefs.delete(room);
  }

  /** Runs a write in the background; shutdown waits for it ({@link drain}). */
  #background(what: string, write: Promise<unknown>): void {
    const done = write.then(
      () => undefined,
      (error: unknown) => this.#logger.error(`redis ${what} failed`, { error: String(error) }),
    );
    this.#pending.add(done);
    void done.finally(() => this.#pending.delete(done));
  }

  create(): RoomInvite {
    const room = newRoomId(); // 96 random bits: a collision is not a concern.
    const key = newRoomKey();
    this.#created.add(room);
    this.#ref(room, 1);
    // Commands on one connection run in order: this node's next admission already sees it.
    this.#background(
      'create room',
      this.#client.hSet(this.#key('room', room), {
        digest: digestOf(key).toString('hex'),
        persistent: '1',
      }),
    );
    return { room, key };
  }

  rekey(room: RoomId): string {
    if (!this.#roomRefs.has(room)) throw new Error(`No room "${room}" on this server`);
    const key = newRoomKey();
    this.#background(
      'rekey room',
      this.#client.eval(REKEY, {
        keys: [this.#key('room', room)],
        arguments: [digestOf(key).toString('hex')],
      }),
    );
    return key;
  }

  close(room: RoomId): boolean {
    if (!this.#roomRefs.has(room)) return false;
    if (this.#created.delete(room)) this.#ref(room, -1);
    this.#background('close room', this.#client.del(this.#key('room', room)));
    // Members here leave now; those on other nodes when their node disconnects them.
    for (const member of [...this.#local.values()]) {
      if (member.room === room) this.#background('leave', this.leave(member.id));
    }
    return true;
  }

  async join({ id, room, key, name, presence }: JoinRequest): Promise<JoinResult> {
    if (this.#local.has(id)) throw new Error(`Peer ${id} is already in a room`);
    if (room === null && !this.#policy.defaultRoom) return { ok: false, reason: 'no-default-room' };
    if (room !== null && (key === null || !isAccessKey(key)))
      return { ok: false, reason: 'no-key' };
    const channel = channelOf(room);
    const peer: PeerRecord = { name, room: room ?? '', channel, presence, node: this.node };
    const record: MemberRecord = { name, presence };
    const answer = await this.#client.eval(JOIN, {
      keys: [
        this.#key('room', room ?? ''),
        this.#key('members', channel),
        this.#key('peer', id),
        this.#key('node-peers', this.node),
      ],
      arguments: [
        id,
        room === null ? '0' : '1',
        key === null ? '' : digestOf(key).toString('hex'),
        this.#policy.openRooms ? '1' : '0',
        String(this.#policy.maxRoomMembers),
        JSON.stringify(record),
        JSON.stringify(peer),
      ],
    });
    if (typeof answer === 'string' && REFUSALS.has(answer)) {
      return { ok: false, reason: answer as JoinRefusal };
    }
    const member: Member = { id, name, room, presence };
    this.#local.set(id, member);
    this.#ref(room, 1);
    return { ok: true, member, created: answer === 'created' };
  }

  leave(id: PeerId): Promise<Member | undefined> {
    const member = this.#local.get(id);
    if (member === undefined) return Promise.resolve(undefined);
    this.#local.delete(id);
    this.#ref(member.room, -1);
    const done = this.#leaveInRedis(member).then(() => member);
    this.#pending.add(done);
    void done.finally(() => this.#pending.delete(done));
    return done;
  }

  async #leaveInRedis(member: Member): Promise<void> {
    const channel = channelOf(member.room);
    try {
      await this.#client.eval(LEAVE, {
        keys: [
          this.#key('room', member.room ?? ''),
          this.#key('members', channel),
          this.#key('peer', member.id),
          this.#key('node-peers', this.node),
        ],
        arguments: [member.id, member.room === null ? '0' : '1'],
      });
      this.#unfinished.delete(member.id);
      this.#onLeft(member.id);
    } catch (error) {
      this.#unfinished.set(member.id, member);
      this.#logger.warn('redis leave failed; retrying on the next heartbeat', {
        id: member.id,
        error: String(error),
      });
    }
  }

  known(id: PeerId): Member | undefined {
    return this.#local.get(id) ?? this.#remote.get(id);
  }

  find(id: PeerId): Promise<Member | undefined> {
    const known = this.known(id);
    if (known !== undefined) return Promise.resolve(known);
    // Concurrent lookups of one id share a request, so events keep their order.
    let lookup = this.#lookups.get(id);
    if (lookup === undefined) {
      const epoch = this.#epoch;
      lookup = this.#client.get(this.#key('peer', id)).then(
        (raw) => {
          this.#lookups.delete(id);
          const peer = parseJson<PeerRecord>(raw);
          if (peer === undefined) return undefined;
          const member: Member = {
            id,
            name: peer.name,
            room: peer.room === '' ? null : peer.room,
            presence: peer.presence,
          };
          if (epoch === this.#epoch && peer.node !== this.node) this.#cache(member);
          return member;
        },
        (error: unknown) => {
          this.#lookups.delete(id);
          throw error;
        },
      );
      this.#lookups.set(id, lookup);
    }
    return lookup;
  }

  #cache(member: Member): void {
    if (this.#remote.size >= MAX_CACHED) {
      const oldest = this.#remote.keys().next();
      if (!oldest.done) this.#remote.delete(oldest.value);
    }
    this.#remote.set(member.id, member);
  }

  /** Drops members that left another node from the cache. */
  forget(ids: readonly PeerId[]): void {
    this.#epoch += 1;
    for (const id of ids) this.#remote.delete(id);
  }

  async peersOf(member: Member): Promise<PeerInfo[]> {
    const all = await this.#client.hGetAll(this.#key('members', channelOf(member.room)));
    const peers: PeerInfo[] = [];
    for (const [id, raw] of Object.entries(all as Record<string, string>)) {
      const record = parseJson<MemberRecord>(raw);
      if (id !== member.id && record) peers.push({ id, name: record.name });
    }
    return peers;
  }

  /**
   * Renews this node's liveness, retries departures Redis missed, and purges the members of
   * nodes whose liveness expired (a crash, a network split). Returns the purged members.
   */
  async heartbeat(): Promise<{ id: PeerId; room: RoomId | null }[]> {
    await this.#client.set(this.#key('node', this.node), '1', { PX: NODE_TTL_MS });
    await this.#client.sAdd(this.#key('nodes'), this.node);
    for (const member of [...this.#unfinished.values()]) await this.#leaveInRedis(member);
    const purged: { id: PeerId; room: RoomId | null }[] = [];
    for (const node of await this.#client.sMembers(this.#key('nodes'))) {
      if (node === this.node || (await this.#client.exists(this.#key('node', node))) === 1) {
        continue;
      }
      const gone = (await this.#client.eval(PURGE, {
        keys: [this.#key('node-peers', node), this.#key('nodes')],
        arguments: [node, this.#prefix],
      })) as string[];
      for (let i = 0; i + 1 < gone.length; i += 2) {
        const room = gone[i + 1] as string;
        purged.push({ id: gone[i] as string, room: room === '' ? null : room });
      }
      this.#logger.warn('purged a dead node', { node, members: gone.length / 2 });
    }
    return purged;
  }

  /** Waits for background writes and departures (before the Redis client closes). */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** Removes this node from Redis once its members have left (clean shutdown). */
  async unregister(): Promise<void> {
    await this.drain();
    await this.#client.del(this.#key('node', this.node));
    await this.#client.sRem(this.#key('nodes'), this.node);
  }
}
