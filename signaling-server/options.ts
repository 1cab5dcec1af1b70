/**
 * What an embedder or the CLI can set on the signaling server: one interface with a documented
 * default on each field, one {@link DEFAULTS} object, and the checks that turn them into the
 * settings the server runs with.
 */
import { DEFAULT_LIMITS, MAX_ACCESS_KEY_LENGTH, type ProtocolLimits } from '../common/protocol.js';
import type { Logger } from './log.js';
import type { ServerMetrics } from './metrics.js';
import { resolveIceConfig, type IceConfig, type TurnOptions } from './turn.js';

/** Limits the server enforces: the protocol's, plus connection, rate and key-guessing limits. */
export interface ServerLimits extends ProtocolLimits {
  /**
   * Connected sockets at once; the next one gets `connect_error` with `data.code: 'server-full'`.
   * @default 500
   */
  maxConnections: number;
  /**
   * Connected sockets at once from one remote address; the next one gets `too-many-connections`.
   * A household behind one NAT shares an address, hence more than a handful.
   * @default 20
   */
  maxConnectionsPerAddress: number;
  /**
   * Sustained events per second per socket (token bucket refill rate); above it events are
   * answered `rate-limited`. Trickle ICE sends tens of candidates per call, far below this.
   * @default 100
   */
  eventsPerSecond: number;
  /**
   * Events a socket may send in one burst (token bucket capacity).
   * @default 2 × eventsPerSecond
   */
  eventBurst: number;
  /**
   * Wrong keys (room key or access key) one address may present within
   * {@link ServerLimits.wrongKeyWindowMs}; past that, every handshake from it is `rate-limited`.
   * @default 5
   */
  wrongKeyLimit: number;
  /**
   * The window wrong keys are counted in, and how long an address stays refused once it hit
   * {@link ServerLimits.wrongKeyLimit}.
   * @default 60000
   */
  wrongKeyWindowMs: number;
  /**
   * Members one room may hold, the default room too, on all nodes together; the next joiner is
   * refused `room-full`.
   * @default 50
   */
  maxRoomMembers: number;
  /**
   * Milliseconds a connection gets to finish its TLS and Socket.IO handshakes and admission;
   * past that it is closed (Socket.IO's `connectTimeout`).
   * @default 10000
   */
  handshakeTimeoutMs: number;
  /**
   * Refused events (rate-limited, invalid, too large, forbidden…) a socket may cause within
   * {@link ServerLimits.abuseWindowMs}; the next one gets `server:closing` with the refusal's
   * code and the connection is closed.
   * @default 100
   */
  abuseLimit: number;
  /**
   * The window refused events are counted in.
   * @default 10000
   */
  abuseWindowMs: number;
  /**
   * Milliseconds a peer whose connection dropped (rather than one that left) has to reconnect
   * with its resume token before its room hears `peer:left`; calls with it go on meanwhile.
   * @default 10000
   */
  resumeGraceMs: number;
}

export interface SignalingServerOptions {
  /**
   * Address to listen on. `0.0.0.0` answers on every IPv4 interface (LAN guests).
   * @default '0.0.0.0'
   */
  host?: string;
  /**
   * TCP port; `0` picks any free port (read the real one from `SignalingServer.port`).
   * @default 8443
   */
  port?: number;
  /** PEM certificate and private key (see tls.ts `loadOrCreateCertificate`). Required. */
  tls: { cert: string; key: string };
  /**
   * Directory of the built call page, served at `/`. Without it `/` answers 404 with an
   * explanation and only Socket.IO is served.
   * @default undefined
   */
  staticDir?: string;
  /**
   * Overrides of {@link ServerLimits}; each missing field takes its default.
   * @default DEFAULTS.limits
   */
  limits?: Partial<ServerLimits>;
  /**
   * Where connection events are logged.
   * @default createLogger('appel:server') (stderr; `APPEL_LOG=silent` mutes it)
   */
  logger?: Logger;
  /**
   * Whether a client that names no room (the tutorial's) joins a shared default room. Off, such
   * a client is refused `unauthorized`: the server admits invited people only.
   * @default true
   */
  defaultRoom?: boolean;
  /**
   * Whether the first client naming an unknown room creates it with the key it brings (the room
   * goes away when its last member leaves). Off, only rooms from `createRoom()` exist.
   * @default true
   */
  openRooms?: boolean;
  /**
   * A server-wide secret every handshake must carry as `auth.accessKey`, on top of any room key;
   * 16 to 256 characters.
   * @default undefined (none required)
   */
  accessKey?: string;
  /**
   * Page origins (`https://host:port`) besides the server's own whose browsers may connect.
   * Requests without an `Origin` header (Node clients such as the desktop app) always may.
   * @default []
   */
  allowedOrigins?: readonly string[];
  /**
   * A TURN server (coturn with `use-auth-secret`): each client gets credentials minted for it
   * alone in its room welcome (turn.ts).
   * @default undefined (no TURN)
   */
  turn?: TurnOptions;
  /**
   * `stun:` URLs every client gets in its welcome. Appel names no STUN server of its own.
   * @default []
   */
  stunUrls?: readonly string[];
  /**
   * Where connections, rooms, relays and refusals are counted (metrics.ts hooks).
   * @default createPrometheusMetrics() when {@link SignalingServerOptions.metricsToken} is set, else noMetrics
   */
  metrics?: ServerMetrics;
  /**
   * Serves `/metrics` (Prometheus text) to requests bearing `Authorization: Bearer <token>`;
   * 16 to 256 characters. Without it there is no `/metrics`: on the internet, what a server
   * counts is nobody else's business.
   * @default undefined (no /metrics)
   */
  metricsToken?: string;
  /**
   * `redis://[user:password@]host:port[/db]` (or `rediss://`): run as one node of many sharing
   * this Redis (Redis 7+). Relays, rooms, keys, peer lists and room caps then span every node;
   * the server owns its Redis clients and closes them with itself.
   * @default undefined (a single node, everything in memory)
   */
  redis?: string;
}

/** The shortest server access key accepted: a guessable one would defeat its purpose. */
export const MIN_ACCESS_KEY_LENGTH = 16;

/** The defaults of {@link SignalingServerOptions}, in one place. */
export const DEFAULTS = {
  host: '0.0.0.0',
  port: 8443,
  limits: {
    ...DEFAULT_LIMITS,
    maxConnections: 500,
    maxConnectionsPerAddress: 20,
    eventsPerSecond: 100,
    eventBurst: 200,
    wrongKeyLimit: 5,
    wrongKeyWindowMs: 60_000,
    maxRoomMembers: 50,
    handshakeTimeoutMs: 10_000,
    abuseLimit: 100,
    abuseWindowMs: 10_000,
    resumeGraceMs: 10_000,
  },
  defaultRoom: true,
  openRooms: true,
  allowedOrigins: [],
  stunUrls: [],
} as const satisfies Omit<
  Required<SignalingServerOptions>,
  'tls' | 'staticDir' | 'logger' | 'accessKey' | 'turn' | 'metrics' | 'metricsToken' | 'redis'
>;

/** Options once defaulted and checked: what the server's modules read. */
export interface ResolvedOptions {
  host: string;
  port: number;
  limits: ServerLimits;
  defaultRoom: boolean;
  openRooms: boolean;
  accessKey: string | undefined;
  /** Normalised with `URL.origin`, so comparing strings compares origins. */
  allowedOrigins: ReadonlySet<string>;
  /** STUN/TURN for the welcome; `undefined` when none is configured. */
  ice: IceConfig | undefined;
  /** The Redis URL nodes share; `undefined` for a single node. */
  redis: string | undefined;
}

function resolveLimits(overrides: Partial<ServerLimits> = {}): ServerLimits {
  const defined = Object.fromEntries(
    Object.entries(overrides).filter(([, value]) => value !== undefined),
  ) as Partial<ServerLimits>;
  const eventsPerSecond = defined.eventsPerSecond ?? DEFAULTS.limits.eventsPerSecond;
  const limits: ServerLimits = {
    ...DEFAULTS.limits,
    ...defined,
    eventBurst: defined.eventBurst ?? 2 * eventsPerSecond,
  };
  for (const [name, value] of Object.entries(limits) as [string, number][]) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`limits.${name} must be a positive integer, got ${value}`);
    }
  }
  return limits;
}

/**
 * The origin of a page URL (`https://host:port`), or `null` when `value` is not an http(s)
 * origin. The CLI checks `--allowed-origin` with it too.
 */
export function normalizeOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null; // Not a URL at all.
  }
  const bare = url.pathname === '/' && url.search === '' && url.hash === '' && !url.username;
  return (url.protocol === 'https:' || url.protocol === 'http:') && bare ? url.origin : null;
}

/** Applies {@link DEFAULTS} and checks every option; throws `RangeError` on a bad one. */
export function resolveOptions(options: SignalingServerOptions): ResolvedOptions {
  const port = options.port ?? DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${port}`);
  }
  const { accessKey } = options;
  if (
    accessKey !== undefined &&
    (accessKey.length < MIN_ACCESS_KEY_LENGTH || accessKey.length > MAX_ACCESS_KEY_LENGTH)
  ) {
    // The key itself stays out of the message: messages end up in logs.
    throw new RangeError(
      `accessKey must be ${MIN_ACCESS_KEY_LENGTH} to ${MAX_ACCESS_KEY_LENGTH} characters`,
    );
  }
  const allowedOrigins = new Set<string>();
  for (const origin of options.allowedOrigins ?? DEFAULTS.allowedOrigins) {
    const normalized = normalizeOrigin(origin);
    if (normalized === null) {
      throw new RangeError(`allowedOrigins: "${origin}" is not an origin like https://host:port`);
    }
    allowedOrigins.add(normalized);
  }
  return {
    host: options.host ?? DEFAULTS.host,
    port,
    limits: resolveLimits(options.limits),
    defaultRoom: options.defaultRoom ?? DEFAULTS.defaultRoom,
    openRooms: options.openRooms ?? DEFAULTS.openRooms,
    accessKey,
    allowedOrigins,
    ice: resolveIceConfig({ turn: options.turn, stunUrls: options.stunUrls ?? DEFAULTS.stunUrls }),
    redis: resolveRedisUrl(options.redis),
  };
}

/** Checks a Redis URL's scheme; the URL itself stays out of messages (it may hold a password). */
function resolveRedisUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new RangeError('redis must be a URL like redis://host:6379');
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new RangeError(`redis must be a redis:// or rediss:// URL, not ${protocol}`);
  }
  return url;
}
