/**
 * Servers the user has trusted (trust on first use, like SSH's known_hosts): server origin →
 * pinned SHA-256 certificate fingerprint, in `<userData>/trusted-servers.json`. A later join by
 * bare address uses the pin, so a server that changed its certificate is refused.
 *
 * A damaged file is never emptied: it is renamed aside (`trusted-servers.json.damaged-<time>`)
 * before anything new is written, and the move is reported once so the page can say so.
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizeFingerprint } from '../common/invite.js';
import { createLogger, type Logger } from '../signaling-server/log.js';
import { readJson, writeJsonAtomically } from './json-file.js';

export const TRUST_FILE = 'trusted-servers.json';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class TrustStore {
  readonly #file: string;
  readonly #log: Logger;
  /** What happened to a damaged file, until {@link takeNotice} hands it to the page. */
  #notice: string | null = null;

  constructor(dir: string, log: Logger = createLogger('appel:trust')) {
    this.#file = join(dir, TRUST_FILE);
    this.#log = log;
  }

  /** A sentence about a damaged trust file set aside since the last call, once. */
  takeNotice(): string | null {
    const notice = this.#notice;
    this.#notice = null;
    return notice;
  }

  async #setAside(why: string): Promise<void> {
    const aside = `${this.#file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await rename(this.#file, aside);
    } catch (error) {
      // Unreadable and immovable: refuse to write over it rather than lose the pins.
      throw new Error(
        `Your trusted servers file ${this.#file} is damaged (${why}) and cannot be moved aside: ` +
          `${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    this.#log.warn('set aside a damaged trusted servers file', { file: aside, error: why });
    this.#notice =
      `Your list of trusted servers was damaged (${why}); it was kept as ${aside} and a new ` +
      'list started. Servers you trusted before will ask again.';
  }

  /** Every valid pin on disk; a file that is not a JSON object of pins is set aside. */
  async #read(): Promise<Map<string, string>> {
    const pins = new Map<string, string>();
    const read = await readJson(this.#file);
    if (read.status === 'missing') return pins;
    if (read.status === 'unreadable') {
      await this.#setAside(read.error);
      return pins;
    }
    if (!isRecord(read.value)) {
      await this.#setAside('not a JSON object');
      return pins;
    }
    for (const [origin, fingerprint] of Object.entries(read.value)) {
      const pin = typeof fingerprint === 'string' ? normalizeFingerprint(fingerprint) : null;
      if (origin.startsWith('https://') && pin) pins.set(origin, pin);
      else this.#log.warn('ignored a damaged trusted server entry', { file: this.#file, origin });
    }
    return pins;
  }

  /** The fingerprint pinned for `origin` (`https://host:port`), if the user trusted it. */
  async get(origin: string): Promise<string | null> {
    return (await this.#read()).get(origin) ?? null;
  }

  /**
   * Pins `fingerprint` for `origin`. Replacing a different pin is the caller's explicit choice
   * (the user confirmed it): this method does not ask.
   */
  async remember(origin: string, fingerprint: string): Promise<void> {
    const pins = await this.#read();
    if (pins.get(origin) === fingerprint) return;
    pins.set(origin, fingerprint);
    await writeJsonAtomically(this.#file, Object.fromEntries(pins));
  }
}
