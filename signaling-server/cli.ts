/**
 * `appel-signal`: the signaling server on its own, for a VPS or a LAN machine. Flags override
 * environment variables, which override defaults. Prints exactly one line on stdout once it
 * listens (URL and certificate fingerprint); everything else goes to stderr.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLogger } from './log.js';
import { createSignalingServer, DEFAULTS, type ServerLimits } from './server.js';
import { loadOrCreateCertificate } from './tls.js';

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
}

export type CliCommand =
  { kind: 'help' } | { kind: 'version' } | { kind: 'serve'; config: CliConfig };

type Env = Readonly<Record<string, string | undefined>>;

/** The built call page, relative to this file's compiled place (dist/server/cli.js). */
export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../renderer/', import.meta.url));

/** `$XDG_DATA_HOME/appel-signal`, else `~/.local/share/appel-signal`. */
export function defaultDataDir(env: Env = process.env): string {
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'appel-signal');
}

interface FlagSpec {
  flag: string;
  env: string;
  value: string;
  help: string;
  default: string;
}

const FLAGS = {
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
  'events-per-second': {
    flag: '--events-per-second',
    env: 'APPEL_EVENTS_PER_SECOND',
    value: 'N',
    help: 'events per second per client (bursts of twice that)',
    default: String(DEFAULTS.limits.eventsPerSecond),
  },
} as const satisfies Record<string, FlagSpec>;

type ValueFlag = keyof typeof FLAGS;

export function helpText(): string {
  const lines = [
    'Usage: appel-signal [options]',
    '',
    'The Appel signaling server: HTTPS + Socket.IO, serving the call page to browsers.',
    'Prints one line with its URL and certificate fingerprint once it listens; logs go to stderr',
    '(APPEL_LOG=silent mutes them, APPEL_DEBUG=1 logs every relayed message).',
    '',
    'Options (each also read from its environment variable; flags win):',
  ];
  for (const spec of Object.values(FLAGS) as FlagSpec[]) {
    lines.push(`  ${spec.flag} ${spec.value}`.padEnd(28) + spec.help);
    lines.push(`${' '.repeat(28)}env ${spec.env}; default: ${spec.default}`);
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
  const config: CliConfig = {
    host: text('host') ?? DEFAULTS.host,
    port: number('port', 0, 65535) ?? DEFAULTS.port,
    dataDir: resolve(text('data-dir') ?? defaultDataDir(env)),
    limits: {
      maxConnections: number('max-connections', 1, 1_000_000),
      maxPayloadBytes: number('max-payload-bytes', 1, 900_000),
      eventsPerSecond: number('events-per-second', 1, 1_000_000),
    },
  };
  if (certFile !== undefined) config.certFile = resolve(certFile);
  if (keyFile !== undefined) config.keyFile = resolve(keyFile);
  if (isDirectory(staticDir)) config.staticDir = staticDir;
  return { kind: 'serve', config };
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
      'events-per-second': { type: 'string' },
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

function packageVersion(): string {
  const file = fileURLToPath(new URL('../../package.json', import.meta.url));
  if (!existsSync(file)) return 'unknown';
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/** Starts the server from a parsed config; resolves with a stop function once it listens. */
export async function serve(config: CliConfig): Promise<() => Promise<void>> {
  const logger = createLogger('appel:cli');
  const tls = await loadOrCreateCertificate({
    dataDir: config.dataDir,
    ...(config.certFile !== undefined && { certFile: config.certFile }),
    ...(config.keyFile !== undefined && { keyFile: config.keyFile }),
  });
  logger.info(tls.generated ? 'generated certificate' : 'loaded certificate', {
    cert: tls.certPath,
    key: tls.keyPath,
  });
  if (config.staticDir === undefined) {
    logger.warn('no call page to serve', { expected: DEFAULT_STATIC_DIR, fix: 'npm run build' });
  }
  const server = await createSignalingServer({
    host: config.host,
    port: config.port,
    tls: { cert: tls.cert, key: tls.key },
    ...(config.staticDir !== undefined && { staticDir: config.staticDir }),
    limits: config.limits,
  });
  process.stdout.write(
    `Appel signaling server listening on ${server.url} (certificate SHA-256 ${server.fingerprint})\n`,
  );
  return () => server.close();
}

function fail(message: string, exitCode: number): void {
  process.stderr.write(`appel-signal: ${message}\n`);
  process.exitCode = exitCode;
}

/** The `appel-signal` command: parse, serve, stop cleanly on SIGINT/SIGTERM. */
export async function main(
  argv: readonly string[] = process.argv.slice(2),
  env: Env = process.env,
): Promise<void> {
  let command: CliCommand;
  try {
    command = parseCli(argv, env);
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)} (see --help)`, 2);
    return;
  }
  if (command.kind === 'help') {
    process.stdout.write(helpText());
    return;
  }
  if (command.kind === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }

  let stop: () => Promise<void>;
  try {
    stop = await serve(command.config);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error), 1);
    return;
  }
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      fail(`${signal} again: exiting without waiting`, 1);
      process.exit();
    }
    stopping = true;
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        fail(`shutdown failed: ${String(error)}`, 1);
        process.exit();
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
