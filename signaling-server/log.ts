/**
 * A tiny namespaced logger in the spirit of `debug('socket.io:server')`: one logfmt line per
 * event on stderr, `APPEL_LOG=silent` to mute it, `APPEL_DEBUG=1` for per-message lines.
 */

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  readonly namespace: string;
  /** True when {@link debug} lines are written (`APPEL_DEBUG` set). */
  readonly debugEnabled: boolean;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  /** Write nothing. @default true when `APPEL_LOG=silent` */
  silent?: boolean;
  /** Write debug lines. @default true when `APPEL_DEBUG` is set to anything but "" or "0" */
  debug?: boolean;
  /** Where lines go. @default process.stderr */
  write?: (line: string) => void;
}

/** A logger that writes nothing, for embedders that bring their own. */
export const silentLogger: Logger = createLogger('appel', { silent: true });

function formatValue(value: string | number | boolean | null): string {
  const text = String(value);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

function formatLine(level: string, namespace: string, message: string, fields: LogFields): string {
  const parts = [new Date().toISOString(), level, namespace, message];
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) parts.push(`${key}=${formatValue(value)}`);
  }
  return `${parts.join(' ')}\n`;
}

export function createLogger(namespace: string, options: LoggerOptions = {}): Logger {
  const env = process.env;
  const silent = options.silent ?? env.APPEL_LOG === 'silent';
  const debugEnabled =
    !silent &&
    (options.debug ?? (env.APPEL_DEBUG !== undefined && !['', '0'].includes(env.APPEL_DEBUG)));
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const at =
    (level: string, enabled: boolean) =>
    (message: string, fields: LogFields = {}): void => {
      if (enabled) write(formatLine(level, namespace, message, fields));
    };
  return {
    namespace,
    debugEnabled,
    info: at('info', !silent),
    warn: at('warn', !silent),
    error: at('error', !silent),
    debug: at('debug', debugEnabled),
  };
}
