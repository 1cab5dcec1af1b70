/**
 * Namespaced loggers in the spirit of `debug('socket.io:server')`, backed by pino: one child
 * logger per module, one line per event on stderr. `appel-signal` writes JSON lines (for
 * journald, Loki, jq); embedded in the desktop app the same loggers write text lines for people.
 * Levels come from {@link configureLogging} (the CLI's `--log-level`) or the environment:
 * `APPEL_LOG_LEVEL`, `APPEL_LOG=silent` to mute, `APPEL_DEBUG=1` for per-message lines.
 */
import { pino, stdTimeFunctions, type DestinationStream, type Logger as Pino } from 'pino';

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  readonly namespace: string;
  /** True when {@link debug} lines are written (level `debug`). */
  readonly debugEnabled: boolean;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}

/** From most to least verbose; `silent` writes nothing. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `json`: one JSON object per line; `text`: `<time> <level> <namespace> <message> k=v…`. */
export const LOG_FORMATS = ['json', 'text'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerOptions {
  /** Write nothing. @default true when `APPEL_LOG=silent` */
  silent?: boolean;
  /** Write debug lines. @default true when `APPEL_DEBUG` is set to anything but "" or "0" */
  debug?: boolean;
  /** The lowest level written; wins over `silent` and `debug`. @default from the environment */
  level?: LogLevel;
  /** @default `APPEL_LOG_FORMAT`, else the process setting ({@link configureLogging}), else 'text' */
  format?: LogFormat;
  /** Where lines go. @default process.stderr */
  write?: (line: string) => void;
}

/**
 * Field names whose values never reach a line, at the top level or one level down: a belt over
 * the rule that callers never log keys, credentials or session descriptions.
 */
export const REDACTED_FIELDS = [
  'key',
  'roomKey',
  'accessKey',
  'metricsToken',
  'token',
  'authorization',
  'credential',
  'secret',
  'password',
  'sdp',
  'offer',
  'answer',
  'candidate',
] as const;

/** Keys pino adds to every line; the text format prints them in its own columns or not at all. */
const OWN_KEYS = new Set(['level', 'time', 'ns', 'msg', 'pid', 'hostname']);

interface Settings {
  level: LogLevel;
  format: LogFormat;
}

function isLevel(value: string | undefined): value is LogLevel {
  return (LOG_LEVELS as readonly (string | undefined)[]).includes(value);
}

function isFormat(value: string | undefined): value is LogFormat {
  return (LOG_FORMATS as readonly (string | undefined)[]).includes(value);
}

/** Process-wide settings from {@link configureLogging}; the environment fills the rest. */
let processSettings: Partial<Settings> = {};

function settingsFor(options: LoggerOptions, env = process.env): Settings {
  const envDebug = env.APPEL_DEBUG !== undefined && !['', '0'].includes(env.APPEL_DEBUG);
  const fromEnv = env.APPEL_LOG_LEVEL?.trim().toLowerCase();
  let level: LogLevel =
    processSettings.level ??
    (isLevel(fromEnv)
      ? fromEnv
      : env.APPEL_LOG === 'silent'
        ? 'silent'
        : envDebug
          ? 'debug'
          : 'info');
  // Explicit switches override only their own aspect of the level.
  if (options.silent === true) level = 'silent';
  else if (options.debug === true) level = 'debug';
  else {
    if (options.silent === false && level === 'silent') level = 'info';
    if (options.debug === false && level === 'debug') level = 'info';
  }
  const envFormat = env.APPEL_LOG_FORMAT?.trim().toLowerCase();
  return {
    level: options.level ?? level,
    format: options.format ?? processSettings.format ?? (isFormat(envFormat) ? envFormat : 'text'),
  };
}

function formatValue(value: unknown): string {
  const text = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

/** Renders one pino JSON line as `<time> <level> <namespace> <message> k=v…`. */
function textLine(json: string): string {
  const entry = JSON.parse(json) as Record<string, unknown>;
  const parts = [entry.time, entry.level, entry.ns, entry.msg].map(String);
  for (const [key, value] of Object.entries(entry)) {
    if (!OWN_KEYS.has(key)) parts.push(`${key}=${formatValue(value)}`);
  }
  return `${parts.join(' ')}\n`;
}

function createPino(settings: Settings, write: (line: string) => void): Pino {
  const destination: DestinationStream = {
    write: settings.format === 'text' ? (line) => write(textLine(line)) : write,
  };
  return pino(
    {
      level: settings.level,
      // pid and hostname (pino's default base) tell nodes apart in a shared log store; text
      // lines are for one person at one terminal.
      ...(settings.format === 'text' && { base: null }),
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: REDACTED_FIELDS.flatMap((name) => [name, `*.${name}`]),
        censor: '[redacted]',
      },
    },
    destination,
  );
}

const writeStderr = (line: string): void => void process.stderr.write(line);

/** The process's root logger, made on first use from the current settings. */
let root: Pino | undefined;

function processRoot(): Pino {
  root ??= createPino(settingsFor({}), writeStderr);
  return root;
}

/**
 * Sets the level and format of every logger made without options of its own, including those
 * made before this call (the CLI calls it once it has read its flags).
 */
export function configureLogging(settings: Partial<Settings>): void {
  processSettings = Object.fromEntries(
    Object.entries(settings).filter(([, value]) => value !== undefined),
  );
  root = undefined;
}

function wrap(namespace: string, current: () => Pino): Logger {
  const at =
    (level: Exclude<LogLevel, 'silent'>) =>
    (message: string, fields: LogFields = {}): void => {
      current()[level](fields, message);
    };
  return {
    namespace,
    get debugEnabled() {
      return current().isLevelEnabled('debug');
    },
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    debug: at('debug'),
  };
}

/**
 * A logger for one module, `namespace` like `appel:server`. With no options it follows the
 * process settings; any option gives it a pino instance of its own (tests capture with `write`).
 */
export function createLogger(namespace: string, options: LoggerOptions = {}): Logger {
  if (Object.values(options).every((value) => value === undefined)) {
    let parent: Pino | undefined;
    let child: Pino | undefined;
    return wrap(namespace, () => {
      const current = processRoot();
      if (parent !== current || child === undefined) {
        parent = current;
        child = current.child({ ns: namespace });
      }
      return child;
    });
  }
  const own = createPino(settingsFor(options), options.write ?? writeStderr).child({
    ns: namespace,
  });
  return wrap(namespace, () => own);
}

/** A logger that writes nothing, for embedders that bring their own. */
export const silentLogger: Logger = createLogger('appel', { silent: true });
