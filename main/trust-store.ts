/**
 * Servers the user has trusted (trust on first use, like SSH's known_hosts): server origin →
 * pinned SHA-256 certificate fingerprint, in `<userData>/trusted-servers.json`. A later join by
 * bare address uses the pin, so a server that changed its certificate is refused.
 */
import { join } from 'node:path';
import { createLogger, type Logger } from '../signaling-server/log.js';
import { normalizeFingerprint } from '../signaling-server/tls.js';
import { readJson, writeJsonAtomically } from './json-file.js';

export const TRUST_FILE = 'trusted-servers.json';

export class TrustStore {
  readonly #file: string;
  readonly #log: Logger;

  constructor(dir: string, log: Logger = createLogger('appel:trust')) {
    this.#file = join(dir, TRUST_FILE);
    this.#log = log;
  }

  /** Every valid pin on disk; damaged entries are logged and left out. */
  async #read(): Promise<Map<string, string>> {
    const pins = new Map<string, string>();
    const read = await readJson(this.#file);
    if (read.status === 'missing') return pins;
    if (read.status === 'unreadable') {
      this.#log.warn('cannot read trusted servers; trusting none', {
        file: this.#file,
        error: read.error,
      });
      return pins;
    }
    const { value } = read;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.#log.warn('trusted servers must be a JSON object; trusting none', { file: this.#file });
      return pins;
    }
    for (const [origin, fingerprint] of Object.entries(value)) {
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

  /** Pins `fingerprint` for `origin`, replacing any earlier pin. */
  async remember(origin: string, fingerprint: string): Promise<void> {
    const pins = await this.#read();
    if (pins.get(origin) === fingerprint) return;
    pins.set(origin, fingerprint);
    await writeJsonAtomically(this.#file, Object.fromEntries(pins));
  }
}
