/**
 * `appel-signal`'s command line: every flag with its environment variable and default, the help
 * text, and the parsing of both into a {@link CliConfig}. Flags override environment variables,
 * which override defaults.
 */
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MAX_ACCESS_KEY_LENGTH } from '../common/protocol.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './log.js';
import { DEFAULTS, MIN_ACCESS_KEY_LENGTH, normalizeOrigin, type ServerLimits } from './options.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from './shutdown.js';
import {
  iceUrlProblem,
  TURN_DEFAULTS,
  TURN_LIMITS,
  turnSecretProblem,
  type TurnOptions,
} from './turn.js';

/** A mistake in the command line or environment: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CliConfig {
  host: string;
  port: number;
  dataDir: string;
  certFile?: string;
  keyFile?: string;
  /** `undefined` when the default page directory does not exist. */
  staticDir?: string;
  limits: Partial<ServerLimits>;
  /** Whether clients that name no room join a shared default room. */
  defaultRoom: boolean;
  /** Whether the first joiner of an unknown room creates it. */
  openRooms: boolean;
  /** The server-wide key every client must bring; never printed. */
  accessKey?: string;
  /** Page origins besides the server's own whose browsers may connect. */
  allowedOrigins: string[];
  /** The Redis URL nodes share; it may hold a password, so it is never printed. */
  redis?: string;
  /** The TURN server whose credentials clients get; its secret is never printed. */
  turn?: TurnOptions;
  /** `stun:` URLs clients get. */
  stunUrls: string[];
  /** `undefined`: from APPEL_LOG / APPEL_DEBUG, else info. */
  logLevel?: LogLevel;
  logFormat: LogFormat;
  /** The bearer token scrapers send for /metrics; none: no /metrics. Never printed. */
  metricsToken?: string;
  /** The bound on a shutdown, from the signal to the exit. */
  shutdownTimeoutMs: number;
}

export type CliCommand =
  { kind: 'help' } | { kind: 'version' } | { kind: 'serve'; config: CliConfig };

/** Environment variables, as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The built call page, relative to this file's compiled place (dist/server/signaling-server/cli.js). */
export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../renderer/', import.meta.url));

/** `$XDG_DATA_HOME/appel-signal`, else `~/.local/share/appel-signal`. */
export function defaultDataDir(env: Env = process.env): string {
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'appel-signal');
}

/** A flag that takes a value, and the environment variable that stands in for it. */
export interface FlagSpec {
  flag: string;
  env: string;
  value: string;
  help: string;
  default: string;
}

export const FLAGS = {
  host: {
    flag: '--host',
    env: 'APPEL_HOST',
    value: 'HOST',
    help: 'address to listen on (0.0.0.0: every IPv4 interface)',
    default: DEFAULTS.host,
  },
  port: {
    flag: '--port',
    env: 'APPEL_PORT',
    value: 'PORT',
    help: 'TCP port; 0 picks any free port',
    default: String(DEFAULTS.port),
  },
  'data-dir': {
    flag: '--data-dir',
    env: 'APPEL_DATA_DIR',
    value: 'DIR',
    help: 'where the generated certificate (cert.pem, key.pem) is kept',
    default: '$XDG_DATA_HOME/appel-signal or ~/.local/share/appel-signal',
  },
  cert: {
    flag: '--cert',
    env: 'APPEL_CERT',
    value: 'FILE',
    help: 'PEM certificate to use instead of the generated one (needs --key)',
    default: 'none (generate a self-signed one)',
  },
  key: {
    flag: '--key',
    env: 'APPEL_KEY',
    value: 'FILE',
    help: 'PEM private key of --cert',
    default: 'none',
  },
  'static-dir': {
    flag: '--static-dir',
    env: 'APPEL_STATIC_DIR',
    value: 'DIR',
    help: 'the built call page served at /',
    default: "the package's dist/renderer",
  },
  'max-connections': {
    flag: '--max-connections',
    env: 'APPEL_MAX_CONNECTIONS',
    value: 'N',
    help: 'connected clients at once',
    default: String(DEFAULTS.limits.maxConnections),
  },
  'max-payload-bytes': {
    flag: '--max-payload-bytes',
    env: 'APPEL_MAX_PAYLOAD_BYTES',
    value: 'N',
    help: 'largest event payload (JSON bytes)',
    default: String(DEFAULTS.limits.maxPayloadBytes),
  },
  'max-connections-per-address': {
    flag: '--max-connections-per-address',
    env: 'APPEL_MAX_CONNECTIONS_PER_ADDRESS',
    value: 'N',
    help: 'connected clients at once from one IP address',
    default: String(DEFAULTS.limits.maxConnectionsPerAddress),
  },
  'events-per-second': {
    flag: '--events-per-second',
    env: 'APPEL_EVENTS_PER_SECOND',
    value: 'N',
    help: 'events per second per client (bursts of twice that)',
    default: String(DEFAULTS.limits.eventsPerSecond),
  },
  'max-room-members': {
    flag: '--max-room-members',
    env: 'APPEL_MAX_ROOM_MEMBERS',
    value: 'N',
    help: 'members one room may hold, on all nodes together',
    default: String(DEFAULTS.limits.maxRoomMembers),
  },
  'handshake-timeout-ms': {
    flag: '--handshake-timeout-ms',
    env: 'APPEL_HANDSHAKE_TIMEOUT_MS',
    value: 'MS',
    help: 'a connection not admitted within this many milliseconds is closed',
    default: String(DEFAULTS.limits.handshakeTimeoutMs),
  },
  'abuse-limit': {
    flag: '--abuse-limit',
    env: 'APPEL_ABUSE_LIMIT',
    value: 'N',
    help: `refused events a client may cause in ${DEFAULTS.limits.abuseWindowMs / 1000} s before it is disconnected`,
    default: String(DEFAULTS.limits.abuseLimit),
  },
  redis: {
    flag: '--redis',
    env: 'APPEL_REDIS_URL',
    value: 'URL',
    help: 'run as one of many nodes sharing this Redis 7+ (redis://[user:pass@]host:port)',
    default: 'none (a single node)',
  },
  'access-key': {
    flag: '--access-key',
    env: 'APPEL_ACCESS_KEY',
    value: 'KEY',
    // The variable keeps the key out of `ps`, where other users of the machine could read it.
    help: `a secret of ${MIN_ACCESS_KEY_LENGTH}+ characters every client must bring (env: not in ps)`,
    default: 'none',
  },
  'allowed-origin': {
    flag: '--allowed-origin',
    env: 'APPEL_ALLOWED_ORIGINS',
    value: 'ORIGIN',
    help: 'another page origin whose browsers may connect (repeatable; env: a,b)',
    default: "only the server's own page",
  },
  'turn-secret': {
    flag: '--turn-secret',
    env: 'APPEL_TURN_SECRET',
    value: 'SECRET',
    help: "coturn's static-auth-secret, to mint TURN credentials (env: not in ps)",
    default: 'none (no TURN)',
  },
  'turn-urls': {
    flag: '--turn-urls',
    env: 'APPEL_TURN_URLS',
    value: 'URLS',
    help: 'the TURN server, comma-separated turn:/turns: URLs (needs --turn-secret)',
    default: 'none',
  },
  'turn-ttl': {
    flag: '--turn-ttl',
    env: 'APPEL_TURN_TTL',
    value: 'SECONDS',
    help: 'seconds a minted TURN credential may open relays (reconnecting re-mints)',
    default: String(TURN_DEFAULTS.ttlSeconds),
  },
  'stun-urls': {
    flag: '--stun-urls',
    env: 'APPEL_STUN_URLS',
    value: 'URLS',
    help: 'STUN servers clients use, comma-separated stun: URLs',
    default: 'none',
  },
  'log-level': {
    flag: '--log-level',
    env: 'APPEL_LOG_LEVEL',
    value: 'LEVEL',
    help: 'debug (adds a line per relayed message), info, warn, error or silent',
    default: 'info (APPEL_LOG=silent: silent; APPEL_DEBUG=1: debug)',
  },
  'log-format': {
    flag: '--log-format',
    env: 'APPEL_LOG_FORMAT',
    value: 'FORMAT',
    help: 'json (one object per line, for journald or a log store) or text (for people)',
    default: 'json',
  },
  'metrics-token': {
    flag: '--metrics-token',
    env: 'APPEL_METRICS_TOKEN',
    value: 'TOKEN',
    help: `serve /metrics to "Authorization: Bearer TOKEN"; ${MIN_ACCESS_KEY_LENGTH}+ characters (env: not in ps)`,
    default: 'none (no /metrics)',
  },
  'shutdown-timeout': {
    flag: '--shutdown-timeout',
    env: 'APPEL_SHUTDOWN_TIMEOUT',
    value: 'SECONDS',
    help: 'on SIGTERM/SIGINT, tell clients to reconnect elsewhere and exit within this bound',
    default: String(DEFAULT_SHUTDOWN_TIMEOUT_MS / 1000),
  },
} as const satisfies Record<string, FlagSpec>;

/** The flags read as one string each (`--allowed-origin` may repeat). */
type ValueFlag = Exclude<keyof typeof FLAGS, 'allowed-origin'>;

/** An on/off setting: the flag turns it off, and so does its variable set to 0. */
export interface SwitchSpec {
  flag: string;
  env: string;
  help: string;
  default: string;
}

/** On/off settings: the flag turns the setting off, and so does its variable set to 0. */
export const SWITCHES = {
  'no-default-room': {
    flag: '--no-default-room',
    env: 'APPEL_DEFAULT_ROOM',
    help: 'refuse clients that name no room: invited people only',
    default: 'clients naming no room share a default room',
  },
  'no-open-rooms': {
    flag: '--no-open-rooms',
    env: 'APPEL_OPEN_ROOMS',
    help: 'refuse unknown rooms instead of letting their first joiner create them',
    default: "an unknown room's first joiner creates it with its key",
  },
} as const satisfies Record<string, SwitchSpec>;

export function helpText(): string {
  const lines = [
    'Usage: appel-signal [options]',
    '',
    'The Appel signaling server: HTTPS + Socket.IO, serving the call page to browsers.',
    'Prints one line with its URL and certificate fingerprint once it listens; logs go to stderr',
    'as JSON lines (APPEL_LOG=silent mutes them, APPEL_DEBUG=1 logs every relayed message).',
    'GET /healthz answers 200 while it takes clients, 503 once it shuts down.',
    '',
    'Options (each also read from its environment variable; flags win):',
  ];
  const indent = ' '.repeat(28);
  const option = (name: string, help: string, detail: string): void => {
    // A name too long for the column gets the help on a line of its own.
    if (name.length < 26) lines.push(`  ${name.padEnd(26)}${help}`);
    else lines.push(`  ${name}`, `${indent}${help}`);
    lines.push(`${indent}${detail}`);
  };
  for (const spec of Object.values(FLAGS) as FlagSpec[]) {
    option(`${spec.flag} ${spec.value}`, spec.help, `env ${spec.env}; default: ${spec.default}`);
  }
  for (const spec of Object.values(SWITCHES) as SwitchSpec[]) {
    option(spec.flag, spec.help, `env ${spec.env}=0; default: ${spec.default}`);
  }
  lines.push(`  ${'-h, --help'.padEnd(26)}show this help and exit`);
  lines.push(`  ${'-v, --version'.padEnd(26)}print the version and exit`);
  return `${lines.join('\n')}\n`;
}

function integer(raw: string, source: string, min: number, max: number): number {
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${source} must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

/** Parses flags and environment into a command; throws {@link UsageError} on a mistake. */
export function parseCli(argv: readonly string[], env: Env = process.env): CliCommand {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument "${positionals[0]}"`);
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  /** The raw setting and where it came from, for error messages. */
  const setting = (name: ValueFlag): { raw: string; source: string } | undefined => {
    const fromFlag = values[name];
    if (fromFlag !== undefined) return { raw: fromFlag, source: FLAGS[name].flag };
    const fromEnv = env[FLAGS[name].env];
    if (fromEnv !== undefined && fromEnv !== '') return { raw: fromEnv, source: FLAGS[name].env };
    return undefined;
  };
  const text = (name: ValueFlag): string | undefined => {
    const found = setting(name);
    if (found && found.raw.trim() === '') throw new UsageError(`${found.source} is empty`);
    return found?.raw;
  };
  const number = (name: ValueFlag, min: number, max: number): number | undefined => {
    const found = setting(name);
    return found && integer(found.raw, found.source, min, max);
  };

  const certFile = text('cert');
  const keyFile = text('key');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new UsageError('--cert and --key must be given together');
  }
  const staticSetting = text('static-dir');
  const staticDir = staticSetting === undefined ? DEFAULT_STATIC_DIR : resolve(staticSetting);
  if (staticSetting !== undefined && !isDirectory(staticDir)) {
    throw new UsageError(`static directory ${staticDir} does not exist`);
  }
  const switchOn = (name: keyof typeof SWITCHES): boolean => {
    if (values[name]) return false;
    const { env: variable } = SWITCHES[name];
    const raw = env[variable]?.trim().toLowerCase();
    if (raw === undefined || raw === '' || ['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    throw new UsageError(`${variable} must be 1 or 0 (got "${env[variable]}")`);
  };
  const accessKey = setting('access-key');
  if (
    accessKey !== undefined &&
    (accessKey.raw.length < MIN_ACCESS_KEY_LENGTH || accessKey.raw.length > MAX_ACCESS_KEY_LENGTH)
  ) {
    // Never echo the key: this line goes to the terminal and to logs.
    throw new UsageError(
      `${accessKey.source} must be ${MIN_ACCESS_KEY_LENGTH} to ${MAX_ACCESS_KEY_LENGTH} characters`,
    );
  }
  const config: CliConfig = {
    host: text('host') ?? DEFAULTS.host,
    port: number('port', 0, 65535) ?? DEFAULTS.port,
    dataDir: resolve(text('data-dir') ?? defaultDataDir(env)),
    limits: {
      maxConnections: number('max-connections', 1, 1_000_000),
      maxPayloadBytes: number('max-payload-bytes', 1, 900_000),
      maxConnectionsPerAddress: number('max-connections-per-address', 1, 1_000_000),
      eventsPerSecond: number('events-per-second', 1, 1_000_000),
      maxRoomMembers: number('max-room-members', 1, 1_000_000),
      handshakeTimeoutMs: number('handshake-timeout-ms', 100, 600_000),
      abuseLimit: number('abuse-limit', 1, 1_000_000),
    },
    defaultRoom: switchOn('no-default-room'),
    openRooms: switchOn('no-open-rooms'),
    allowedOrigins: allowedOrigins(values['allowed-origin'], env),
    ...iceSettings(setting),
    ...operationsSettings(setting),
  };
  if (!config.defaultRoom && !config.openRooms) {
    throw new UsageError(
      '--no-default-room with --no-open-rooms would admit nobody: only an embedding app makes rooms',
    );
  }
  if (accessKey !== undefined) config.accessKey = accessKey.raw;
  const redis = text('redis');
  if (redis !== undefined) config.redis = redisUrl(redis, setting('redis')?.source ?? '--redis');
  if (certFile !== undefined) config.certFile = resolve(certFile);
  if (keyFile !== undefined) config.keyFile = resolve(keyFile);
  if (isDirectory(staticDir)) config.staticDir = staticDir;
  return { kind: 'serve', config };
}

type Setting = (name: ValueFlag) => { raw: string; source: string } | undefined;

/** `--turn-*` and `--stun-urls`, checked; TURN needs both its secret and its URLs. */
function iceSettings(setting: Setting): Pick<CliConfig, 'turn' | 'stunUrls'> {
  const secret = setting('turn-secret');
  const urls = setting('turn-urls');
  const ttl = setting('turn-ttl');
  const stunUrls = urlList(setting('stun-urls'), 'stun');
  if (urls === undefined) {
    const orphan = secret ?? ttl;
    if (orphan) throw new UsageError(`${orphan.source} needs --turn-urls (APPEL_TURN_URLS)`);
    return { stunUrls };
  }
  if (secret === undefined) {
    throw new UsageError(
      `${urls.source} needs --turn-secret (APPEL_TURN_SECRET), coturn's static-auth-secret`,
    );
  }
  // Never echo the secret: this line goes to the terminal and to logs.
  const secretProblem = turnSecretProblem(secret.raw);
  if (secretProblem) throw new UsageError(`${secret.source} ${secretProblem}`);
  const { minTtlSeconds, maxTtlSeconds } = TURN_LIMITS;
  const ttlSeconds =
    ttl === undefined
      ? TURN_DEFAULTS.ttlSeconds
      : integer(ttl.raw, ttl.source, minTtlSeconds, maxTtlSeconds);
  return { turn: { secret: secret.raw, urls: urlList(urls, 'turn'), ttlSeconds }, stunUrls };
}

/** A comma-separated list of `stun:` or `turn:`/`turns:` URLs, each checked. */
function urlList(found: ReturnType<Setting>, kind: 'turn' | 'stun'): string[] {
  if (found === undefined) return [];
  const urls = found.raw.split(',').map((url) => url.trim());
  if (urls.some((url) => url === '')) {
    throw new UsageError(`${found.source} holds an empty URL (got "${found.raw}")`);
  }
  if (urls.length > TURN_LIMITS.maxUrls) {
    throw new UsageError(`${found.source} holds more than ${TURN_LIMITS.maxUrls} URLs`);
  }
  for (const url of urls) {
    const problem = iceUrlProblem(url, kind);
    if (problem) throw new UsageError(`${found.source}: ${problem}`);
  }
  return urls;
}

/** `--log-*`, `--metrics-token` and `--shutdown-timeout`, checked. */
function operationsSettings(
  setting: Setting,
): Pick<CliConfig, 'logLevel' | 'logFormat' | 'metricsToken' | 'shutdownTimeoutMs'> {
  const oneOf = <T extends string>(name: ValueFlag, choices: readonly T[]): T | undefined => {
    const found = setting(name);
    const value = found?.raw.trim().toLowerCase();
    if (found === undefined || (choices as readonly string[]).includes(value ?? '')) {
      return value as T | undefined;
    }
    throw new UsageError(
      `${found.source} must be one of ${choices.join(', ')} (got "${found.raw}")`,
    );
  };
  const token = setting('metrics-token');
  if (token !== undefined && (token.raw.length < MIN_ACCESS_KEY_LENGTH || token.raw.length > 256)) {
    // Never echo the token: this line goes to the terminal and to logs.
    throw new UsageError(`${token.source} must be ${MIN_ACCESS_KEY_LENGTH} to 256 characters`);
  }
  const timeout = setting('shutdown-timeout');
  const logLevel = oneOf('log-level', LOG_LEVELS);
  return {
    ...(logLevel !== undefined && { logLevel }),
    logFormat: oneOf('log-format', LOG_FORMATS) ?? 'json',
    ...(token !== undefined && { metricsToken: token.raw }),
    shutdownTimeoutMs:
      timeout === undefined
        ? DEFAULT_SHUTDOWN_TIMEOUT_MS
        : integer(timeout.raw, timeout.source, 1, 3600) * 1000,
  };
}

/** A `redis://` or `rediss://` URL; messages never echo it (it may hold a password). */
function redisUrl(raw: string, source: string): string {
  let protocol: string | undefined;
  try {
    protocol = new URL(raw.trim()).protocol;
  } catch {
    protocol = undefined; // Not a URL: said below.
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new UsageError(`${source} must be a URL like redis://host:6379`);
  }
  return raw.trim();
}

/** `--allowed-origin` flags, else `APPEL_ALLOWED_ORIGINS`, each checked and normalised. */
function allowedOrigins(fromFlags: string[] | undefined, env: Env): string[] {
  const { flag, env: variable } = FLAGS['allowed-origin'];
  const source = fromFlags !== undefined ? flag : variable;
  const raw = fromFlags ?? (env[variable] ?? '').split(',').filter((item) => item.trim() !== '');
  return raw.map((item) => {
    const origin = normalizeOrigin(item.trim());
    if (origin === null) {
      throw new UsageError(`${source}: "${item}" is not an origin like https://host:port`);
    }
    return origin;
  });
}

function parseOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      'static-dir': { type: 'string' },
      'max-connections': { type: 'string' },
      'max-payload-bytes': { type: 'string' },
      'max-connections-per-address': { type: 'string' },
      'events-per-second': { type: 'string' },
      'max-room-members': { type: 'string' },
      'handshake-timeout-ms': { type: 'string' },
      'abuse-limit': { type: 'string' },
      redis: { type: 'string' },
      'access-key': { type: 'string' },
      'allowed-origin': { type: 'string', multiple: true },
      'turn-secret': { type: 'string' },
      'turn-urls': { type: 'string' },
      'turn-ttl': { type: 'string' },
      'stun-urls': { type: 'string' },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      'metrics-token': { type: 'string' },
      'shutdown-timeout': { type: 'string' },
      'no-default-room': { type: 'boolean' },
      'no-open-rooms': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}

function describeParseError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(message)?.[1] ?? message;
    return `unknown option ${option}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return message
      .replace(/\.$/, '')
      .replace(/^Option '([^']+)'.*argument missing$/, '$1 needs a value');
  }
  return message.split('\n')[0] ?? message;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // Missing or unreadable: treated as absent.
  }
}
