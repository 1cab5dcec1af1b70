/**
 * Many nodes: Socket.IO's sharded Redis adapter under the server, so `io.to(id)` and room
 * broadcasts reach sockets on any node, and a {@link RedisRoomStore} so every node admits,
 * lists and refuses alike. The server owns these Redis clients and closes them.
 *
 * Sharded Pub/Sub (Redis 7) with `subscriptionMode: 'dynamic-private'`: nearly every message
 * Appel sends goes to one socket id, and that mode gives each socket (and each room) a channel
 * of its own, so a relay reaches only the node that holds its target instead of every node.
 */
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Events, type PeerId } from '../common/protocol.js';
import type { Logger } from './log.js';
import { HEARTBEAT_MS, RedisRoomStore, type RedisClient } from './redis-rooms.js';
import type { SignalingIo } from './relay.js';
import { presenceChannelOf, type RoomPolicy } from './rooms.js';

/** Events between signaling nodes (Socket.IO `serverSideEmit`); never seen by clients. */
export const ClusterEvents = {
  /** Peers that left a node: drop them from lookup caches. */
  forget: 'appel:forget',
} as const;

export interface InterServerEvents {
  [ClusterEvents.forget]: (ids: PeerId[]) => void;
}

/** How long a node waits for Redis when it starts. */
const CONNECT_TIMEOUT_MS = 10_000;

export interface Cluster {
  store: RedisRoomStore;
  /** Whether Redis answers a PING within `timeoutMs`: the node can admit and relay. */
  ready(timeoutMs?: number): Promise<boolean>;
  /** After Socket.IO closed: finishes departures, leaves Redis, closes the clients. */
  close(): Promise<void>;
}

export interface ClusterOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` */
  url: string;
  io: SignalingIo;
  policy: RoomPolicy;
  logger: Logger;
}

/** The URL without its password, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a URL)'; // Never echo what might be a secret.
  }
}

async function connectClient(client: RedisClient, url: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis did not answer within ${CONNECT_TIMEOUT_MS / 1000} s`)),
      CONNECT_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([client.connect(), timeout]);
  } catch (error) {
    client.destroy();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot reach Redis at ${redactRedisUrl(url)}: ${reason}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** Connects to Redis, puts the adapter under `io`, and starts the node's heartbeat. */
export async function createCluster({ url, io, policy, logger }: ClusterOptions): Promise<Cluster> {
  const options = {
    url,
    // Fail fast while Redis is away: an admission refused now beats one hanging until timeout.
    disableOfflineQueue: true,
    socket: { reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000) },
  };
  const client: RedisClient = createClient(options);
  const subscriber: RedisClient = client.duplicate();
  let healthy = true;
  for (const [role, each] of [
    ['client', client],
    ['subscriber', subscriber],
  ] as const) {
    // node-redis reconnects on its own; log the first error of an outage, not every retry.
    each.on('error', (error: unknown) => {
      if (!healthy) return;
      healthy = false;
      logger.error('redis unreachable', { role, error: String(error) });
    });
    each.on('ready', () => {
      if (healthy) return;
      healthy = true;
      logger.info('redis reachable again', { role });
    });
  }
  await connectClient(client, url);
  try {
    await connectClient(subscriber, url);
  } catch (error) {
    client.destroy();
    throw error;
  }

  // The adapter fires SUNSUBSCRIBE without awaiting it; while Redis is away (a shutdown during
  // an outage) the rejection would go unhandled and end the process.
  const unsubscribe = subscriber.sUnsubscribe.bind(subscriber);
  subscriber.sUnsubscribe = ((...args: Parameters<typeof unsubscribe>) => {
    const done = unsubscribe(...args);
    done.catch((error: unknown) => {
      logger.debug('redis unsubscribe failed', { error: String(error) });
    });
    return done;
  }) as typeof unsubscribe;
  const store = new RedisRoomStore({
    client,
    policy,
    logger,
    // Published after the departure reached Redis, so a lookup made after this message misses.
    onLeft: (id) => io.serverSideEmit(ClusterEvents.forget, [id]),
  });
  io.adapter(
    createShardedAdapter(client, subscriber, {
      channelPrefix: 'appel',
      subscriptionMode: 'dynamic-private',
    }),
  );
  io.on(ClusterEvents.forget, (ids) => {
    if (Array.isArray(ids)) store.forget(ids.filter((id) => typeof id === 'string'));
  });

  const beat = async (): Promise<void> => {
    const purged = await store.heartbeat();
    if (purged.length === 0) return;
    store.forget(purged.map(({ id }) => id));
    io.serverSideEmit(
      ClusterEvents.forget,
      purged.map(({ id }) => id),
    );
    for (const { id, room } of purged) io.to(presenceChannelOf(room)).emit(Events.peerLeft, { id });
  };
  await beat();
  const heartbeat = setInterval(() => {
    beat().catch((error: unknown) => {
      logger.warn('redis heartbeat failed', { error: String(error) });
    });
  }, HEARTBEAT_MS);
  heartbeat.unref();
  logger.info('cluster joined', { redis: redactRedisUrl(url), node: store.node });

  const ready = async (timeoutMs = 1000): Promise<boolean> => {
    if (!client.isReady || !subscriber.isReady) return false;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([client.ping().then((pong) => pong === 'PONG'), late]);
    } catch {
      return false; // The PING failed: not ready, which is the answer asked for.
    } finally {
      clearTimeout(timer);
    }
  };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(heartbeat);
      try {
        await store.unregister();
      } catch (error) {
        logger.warn('redis unregister failed', { error: String(error) });
      }
      // A client still trying to reconnect has nothing to flush: close() would wait for Redis.
      for (const each of [client, subscriber]) {
        if (each.isReady) await each.close().catch(() => each.destroy());
        else each.destroy();
      }
    })();
    return closing;
  };

  return { store, ready, close };
}
