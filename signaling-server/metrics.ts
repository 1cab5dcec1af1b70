/**
 * What the server counts, as hooks the relay and admission code call. The Prometheus
 * implementation (prom-client) is prometheus.ts; tests and embedded servers may run with
 * {@link noMetrics}.
 */
import type { ErrorCode, RelayEvent } from '../common/protocol.js';

export interface ServerMetrics {
  /** A client connected (`+1`) or disconnected (`-1`). */
  connections(delta: 1 | -1): void;
  /** The number of rooms now open on this node. */
  rooms(count: number): void;
  /** A relayed event left for its target, `seconds` after it arrived. */
  relayed(event: RelayEvent, seconds: number): void;
  /**
   * Whether {@link ServerMetrics.relayed} reads its `seconds`; when false the relay does not
   * read the clock for it (and passes 0).
   * @default true
   */
  readonly timesRelays?: boolean;
  /** A handshake or an event was refused. */
  refused(code: ErrorCode): void;
}

/** Counts nothing, and costs the relay nothing. */
export const noMetrics: ServerMetrics = {
  timesRelays: false,
  connections: () => undefined,
  rooms: () => undefined,
  relayed: () => undefined,
  refused: () => undefined,
};
