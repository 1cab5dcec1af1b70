/**
 * The app's settings: one JSON file in userData. A damaged or hand-edited file never stops the
 * app: each bad field falls back to its default, with one log line saying which and why.
 */
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createLogger, type Logger } from '../signaling-server/log.js';
import { readJson, writeJsonAtomically } from './json-file.js';

export interface Settings {
  /**
   * TCP port the embedded signaling server listens on when hosting; when taken, any free port.
   * @default 8443
   */
  port: number;
  /**
   * Address the embedded server binds to: `0.0.0.0` for every LAN interface.
   * @default '0.0.0.0'
   */
  bindHost: string;
  /**
   * When hosting, ask the home router (UPnP IGD, NAT-PMP) to forward the port, so guests on the
   * internet can join. Off unless chosen: it opens a port on the user's router while hosting.
   * @default false
   */
  forwardPort: boolean;
}

export const DEFAULT_SETTINGS: Readonly<Settings> = {
  port: 8443,
  bindHost: '0.0.0.0',
  forwardPort: false,
};

export const SETTINGS_FILE = 'settings.json';

/** The outcome of reading settings: always usable values, plus what was wrong with the input. */
export interface ParsedSettings {
  settings: Settings;
  problems: string[];
}

type FieldCheck<K extends keyof Settings> = (value: unknown) => value is Settings[K];

const checks: { [K in keyof Settings]: { check: FieldCheck<K>; expected: string } } = {
  port: {
    check: (value): value is number =>
      Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 65535,
    expected: 'an integer from 0 to 65535',
  },
  bindHost: {
    check: (value): value is string =>
      typeof value === 'string' && (isIP(value) !== 0 || value === 'localhost'),
    expected: 'an IP address or "localhost"',
  },
  forwardPort: {
    check: (value): value is boolean => typeof value === 'boolean',
    expected: 'true or false',
  },
};

/** Validates untrusted settings field by field; unknown fields are ignored. */
export function parseSettings(input: unknown): ParsedSettings {
  const settings: Settings = { ...DEFAULT_SETTINGS };
  const problems: string[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { settings, problems: ['settings must be a JSON object'] };
  }
  const record = input as Record<string, unknown>;
  const assign = <K extends keyof Settings>(key: K): void => {
    if (!(key in record)) return;
    const { check, expected } = checks[key];
    const value = record[key];
    if (check(value)) settings[key] = value;
    else problems.push(`"${key}" must be ${expected}, got ${JSON.stringify(value)}`);
  };
  assign('port');
  assign('bindHost');
  assign('forwardPort');
  return { settings, problems };
}

const defaultLog = createLogger('appel:settings');

/** Reads `<dir>/settings.json`; a missing file gives the defaults, a bad one defaults + a log. */
export async function loadSettings(dir: string, log: Logger = defaultLog): Promise<Settings> {
  const file = join(dir, SETTINGS_FILE);
  const read = await readJson(file);
  if (read.status === 'missing') return { ...DEFAULT_SETTINGS };
  if (read.status === 'unreadable') {
    log.warn('cannot read settings; using defaults', { file, error: read.error });
    return { ...DEFAULT_SETTINGS };
  }
  const { settings, problems } = parseSettings(read.value);
  for (const problem of problems) log.warn('bad setting; using its default', { file, problem });
  return settings;
}

/**
 * Writes `<dir>/settings.json` atomically: a temporary file in the same directory, then a rename,
 * so a crash mid-write leaves the old file whole.
 */
export async function saveSettings(dir: string, settings: Settings): Promise<void> {
  const { settings: valid, problems } = parseSettings(settings);
  if (problems.length > 0) {
    throw new Error(`Refusing to save invalid settings: ${problems.join('; ')}`);
  }
  await writeJsonAtomically(join(dir, SETTINGS_FILE), valid);
}
