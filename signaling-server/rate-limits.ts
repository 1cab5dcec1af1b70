/**
 * Counters that keep one client from wearing out the server: a token bucket per socket for
 * events, a per-socket count of refused events that ends an abusive connection, and a
 * per-address count of wrong keys that shuts out key guessing.
 */

/**
 * A token bucket: `rate` tokens per second, at most `burst` saved up. One per socket, for
 * events; the caller passes the clock (`performance.now()` ms) it already read.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #last: number;

  constructor(rate: number, burst: number, now: number) {
    this.#rate = rate;
    this.#burst = burst;
    this.#tokens = burst;
    this.#last = now;
  }

  /** Takes a token at `now` (ms); false when there is none: the event may not pass. */
  take(now: number): boolean {
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/**
 * Counts events in a fixed window of `windowMs`. One per socket, for refused events: a client
 * that keeps breaking the rules is disconnected.
 */
export class WindowCounter {
  readonly #limit: number;
  readonly #windowMs: number;
  #count = 0;
  #since: number;

  constructor(limit: number, windowMs: number, now: number) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#since = now;
  }

  /** Counts one event at `now` (ms); true when it is past the limit of its window. */
  hit(now: number): boolean {
    if (now - this.#since >= this.#windowMs) {
      this.#count = 0;
      this.#since = now;
    }
    this.#count += 1;
    return this.#count > this.#limit;
  }
}

export interface FailureThrottleOptions {
  /** Failures within `windowMs` after which an address is shut out. */
  limit: number;
  /** The counting window, and how long the shut-out lasts once `limit` is hit. */
  windowMs: number;
  /**
   * Addresses remembered at once. Past it, expired entries go first, then the oldest: the map
   * cannot grow with the number of addresses an attacker controls.
   * @default 10000
   */
  maxEntries?: number;
  /** Milliseconds clock, replaceable in tests. @default Date.now */
  now?: () => number;
}

interface Failures {
  count: number;
  /** When the current counting window started. */
  since: number;
  /** When a shut-out ends; 0 while `count` is under the limit. */
  blockedUntil: number;
}

/**
 * Counts failures (wrong keys) per address; once an address reached `limit` failures within
 * `windowMs`, {@link FailureThrottle.retryAfterMs} is positive for `windowMs` more, whatever it
 * sends in the meantime.
 */
export class FailureThrottle {
  readonly #entries = new Map<string, Failures>();
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: FailureThrottleOptions) {
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Addresses currently remembered. */
  get size(): number {
    return this.#entries.size;
  }

  /** How long `address` must still wait, in ms; 0 when it may try. */
  retryAfterMs(address: string): number {
    const entry = this.#live(address);
    return entry ? Math.max(0, entry.blockedUntil - this.#now()) : 0;
  }

  /** Records one failure from `address`. */
  recordFailure(address: string): void {
    const now = this.#now();
    const entry = this.#live(address);
    if (entry === undefined) {
      this.#makeRoom();
      this.#entries.set(address, { count: 1, since: now, blockedUntil: 0 });
    } else if (entry.blockedUntil === 0) {
      entry.count += 1;
    }
    const current = this.#entries.get(address) as Failures;
    if (current.count >= this.#limit && current.blockedUntil === 0) {
      current.blockedUntil = now + this.#windowMs;
    }
  }

  #expired(entry: Failures, now: number): boolean {
    return entry.blockedUntil === 0
      ? now - entry.since >= this.#windowMs
      : now >= entry.blockedUntil;
  }

  /** The entry of `address` unless its window (or shut-out) is over, in which case it is dropped. */
  #live(address: string): Failures | undefined {
    const entry = this.#entries.get(address);
    if (entry && this.#expired(entry, this.#now())) {
      this.#entries.delete(address);
      return undefined;
    }
    return entry;
  }

  #makeRoom(): void {
    if (this.#entries.size < this.#maxEntries) return;
    const now = this.#now();
    for (const [address, entry] of this.#entries) {
      if (this.#expired(entry, now)) this.#entries.delete(address);
    }
    // Map order is insertion order: the first key is the oldest entry.
    const oldest = this.#entries.keys().next();
    if (this.#entries.size >= this.#maxEntries && !oldest.done) this.#entries.delete(oldest.value);
  }
}
