/**
 * Readiness for load balancers and service managers: `GET /healthz` answers 200
 * `{"status":"ready"}` only while the server listens, is not shutting down, and every readiness
 * probe (Redis, added by whoever owns the connection) answers in time; 503 otherwise. It is
 * public, so a 503 names what failed but not why: the why goes to the log.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from '../common/csp.js';
import type { Logger } from './log.js';
import { sendText } from './static-files.js';

/** Resolves when a dependency is usable, rejects (with the reason) when it is not. */
export type ReadinessProbe = () => Promise<unknown>;

export type HealthReport =
  | { status: 'ready' }
  | { status: 'starting' | 'shutting-down' }
  | { status: 'not-ready'; failing: string[] };

/** The path balancers poll. */
export const HEALTH_PATH = '/healthz';

/** How long a probe may take before it counts as failed. */
export const PROBE_TIMEOUT_MS = 2000;

function withTimeout(probe: ReadinessProbe, timeoutMs: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([Promise.resolve().then(probe), timeout]).finally(() => clearTimeout(timer));
}

/** A server's readiness: its own state plus named probes of what it depends on. */
export class Health {
  #state: 'starting' | 'listening' | 'shutting-down' = 'starting';
  readonly #probes = new Map<string, ReadinessProbe>();
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  /** Probes failing at the last check, to log changes rather than every poll. */
  #failing = new Set<string>();
  #inflight: Promise<HealthReport> | undefined;

  constructor(logger: Logger, timeoutMs = PROBE_TIMEOUT_MS) {
    this.#logger = logger;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Makes readiness also depend on `probe` (e.g. `addProbe('redis', () => client.ping())`),
   * replacing any probe of the same name.
   */
  addProbe(name: string, probe: ReadinessProbe): void {
    this.#probes.set(name, probe);
  }

  /** The server accepts connections. */
  markListening(): void {
    if (this.#state === 'starting') this.#state = 'listening';
  }

  /** The server stops accepting: readiness fails from now on, for good. */
  markShuttingDown(): void {
    this.#state = 'shutting-down';
  }

  get shuttingDown(): boolean {
    return this.#state === 'shutting-down';
  }

  /** Runs the probes (concurrent checks share one run) and reports. */
  check(): Promise<HealthReport> {
    if (this.#state === 'starting') return Promise.resolve({ status: 'starting' });
    if (this.#state === 'shutting-down') return Promise.resolve({ status: 'shutting-down' });
    this.#inflight ??= this.#runProbes().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #runProbes(): Promise<HealthReport> {
    const names = [...this.#probes.keys()];
    const results = await Promise.allSettled(
      [...this.#probes.values()].map((probe) => withTimeout(probe, this.#timeoutMs)),
    );
    const failing = new Set<string>();
    results.forEach((result, index) => {
      const name = names[index] as string;
      if (result.status === 'fulfilled') {
        if (this.#failing.has(name))
          this.#logger.info('readiness probe recovered', { probe: name });
        return;
      }
      failing.add(name);
      if (!this.#failing.has(name)) {
        const reason =
          result.reason instanceof Error ? result.reason.message : String(result.reason);
        this.#logger.warn('readiness probe failing', { probe: name, reason });
      }
    });
    this.#failing = failing;
    if (this.#state === 'shutting-down') return { status: 'shutting-down' };
    return failing.size === 0
      ? { status: 'ready' }
      : { status: 'not-ready', failing: [...failing] };
  }
}

/**
 * Answers `GET /healthz` from `health`; answers `false` for any other path so the next handler
 * runs. Never cached: a balancer must see a shutdown at once.
 */
export function createHealthHandler(
  health: Health,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (new URL(req.url ?? '/', 'https://localhost').pathname !== HEALTH_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(req, res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
      return true;
    }
    void health.check().then((report) => {
      const body = Buffer.from(`${JSON.stringify(report)}\n`, 'utf8');
      res.writeHead(report.status === 'ready' ? 200 : 503, {
        ...SECURITY_HEADERS,
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': body.length,
        'Cache-Control': 'no-store',
        // A closing server lets go of the balancer's keep-alive connection too.
        ...(report.status === 'shutting-down' && { Connection: 'close' }),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    return true;
  };
}
