/**
 * Notices when this machine's network changes (Wi-Fi to Ethernet, a new DHCP lease, a VPN coming
 * up): the set of non-internal addresses is read every {@link NetworkWatchOptions.pollMs} and
 * compared, and one debounced {@link NetworkChange} is reported per burst of changes, so the page
 * can restart ICE at once instead of waiting for its checks to time out. Polling is the portable
 * baseline; main also calls {@link NetworkWatch.check} when Electron says the machine resumed.
 */
import { networkInterfaces } from 'node:os';
import type { NetworkChange } from '../common/bridge-api.js';
import type { InterfaceTable } from './network.js';

export interface NetworkWatchOptions {
  /** The machine's interfaces. @default os.networkInterfaces */
  interfaces?: () => InterfaceTable;
  /** How often the interfaces are read, in ms. @default 2000 */
  pollMs?: number;
  /**
   * Quiet time after the last difference before it is reported, in ms: a burst (an address
   * leaving and its successor arriving) is one change. @default 1000
   */
  debounceMs?: number;
}

export const NETWORK_WATCH_DEFAULTS = {
  pollMs: 2000,
  debounceMs: 1000,
} as const satisfies Required<Omit<NetworkWatchOptions, 'interfaces'>>;

/**
 * The addresses ICE can gather from: not loopback, not IPv6 link-local (browsers do not offer
 * those as candidates), each as `interface/address`.
 */
export function usableAddresses(table: InterfaceTable): Set<string> {
  const addresses = new Set<string>();
  for (const [name, infos] of Object.entries(table)) {
    for (const info of infos ?? []) {
      if (info.internal || /^fe[89ab]/i.test(info.address)) continue;
      addresses.add(`${name}/${info.address}`);
    }
  }
  return addresses;
}

/** What is in `next` and not in `previous`, and the other way round; `null` when equal. */
export function diffAddresses(
  previous: ReadonlySet<string>,
  next: ReadonlySet<string>,
): NetworkChange | null {
  const added = [...next].filter((address) => !previous.has(address)).sort();
  const removed = [...previous].filter((address) => !next.has(address)).sort();
  return added.length === 0 && removed.length === 0 ? null : { added, removed };
}

export class NetworkWatch {
  readonly #read: () => InterfaceTable;
  readonly #pollMs: number;
  readonly #debounceMs: number;
  readonly #onChange: (change: NetworkChange) => void;
  /** The addresses as last reported (or as first seen). */
  #reported: Set<string> | null = null;
  #last: Set<string> = new Set();
  #poll: NodeJS.Timeout | null = null;
  #debounce: NodeJS.Timeout | null = null;

  constructor(options: NetworkWatchOptions, onChange: (change: NetworkChange) => void) {
    this.#read = options.interfaces ?? networkInterfaces;
    this.#pollMs = options.pollMs ?? NETWORK_WATCH_DEFAULTS.pollMs;
    this.#debounceMs = options.debounceMs ?? NETWORK_WATCH_DEFAULTS.debounceMs;
    this.#onChange = onChange;
  }

  /** Takes the current addresses as the baseline and starts polling. Idempotent. */
  start(): void {
    if (this.#poll) return;
    this.#reported = usableAddresses(this.#read());
    this.#last = this.#reported;
    this.#poll = setInterval(() => this.check(), this.#pollMs);
    // A watcher alone must not keep the process (or a test) alive.
    this.#poll.unref();
  }

  /** Reads the interfaces now (after a resume, say); a difference is reported after the debounce. */
  check(): void {
    if (!this.#poll || !this.#reported) return;
    const current = usableAddresses(this.#read());
    if (diffAddresses(this.#last, current) === null) return;
    this.#last = current;
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => this.#settle(), this.#debounceMs);
    this.#debounce.unref();
  }

  #settle(): void {
    this.#debounce = null;
    if (!this.#reported) return;
    // Compared with what was last reported: an address that left and came back is no change.
    const change = diffAddresses(this.#reported, this.#last);
    this.#reported = this.#last;
    if (change) this.#onChange(change);
  }

  /** Stops polling and drops a pending report. */
  stop(): void {
    if (this.#poll) clearInterval(this.#poll);
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#poll = null;
    this.#debounce = null;
    this.#reported = null;
  }
}
