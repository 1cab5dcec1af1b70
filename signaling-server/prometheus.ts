/**
 * The {@link ServerMetrics} hooks counted with prom-client, on a registry of their own (two
 * servers in one process must not collide on the global one), and the `/metrics` endpoint that
 * serves them to a scraper bearing the operator's token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { SECURITY_HEADERS } from '../common/csp.js';
import { RELAY_EVENTS, type ErrorCode, type RelayEvent } from '../common/protocol.js';
import type { ServerMetrics } from './metrics.js';
import { MIN_ACCESS_KEY_LENGTH } from './options.js';
import { digestOf, matchesDigest } from './secrets.js';
import { sendText } from './static-files.js';

/** Metrics a scraper can read: the hooks plus their registry. */
export interface PrometheusMetrics extends ServerMetrics {
  readonly registry: Registry;
  /** The exposition format's `Content-Type`. */
  readonly contentType: string;
  /** Every metric of {@link PrometheusMetrics.registry} in Prometheus text format. */
  render(): Promise<string>;
}

export interface PrometheusMetricsOptions {
  /** Also collect process and Node.js metrics (CPU, memory, handles, GC, event-loop lag). @default true */
  processMetrics?: boolean;
  /** Event-loop lag sampling resolution, in milliseconds. @default 10 */
  eventLoopResolutionMs?: number;
}

/**
 * Relay latency buckets, in seconds: a relay is a validation and an emit, well under a
 * millisecond when healthy; the upper buckets catch a blocked event loop or a slow adapter.
 */
const LATENCY_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/**
 * Makes the server's metrics (`appel_*`) on a fresh registry, with prom-client's process and
 * Node.js metrics beside them. The event-loop monitor the latter start lasts as long as the
 * process: make one per process, not one per test.
 */
export function createPrometheusMetrics(options: PrometheusMetricsOptions = {}): PrometheusMetrics {
  const registry = new Registry();
  const registers = [registry];
  const connections = new Gauge({
    name: 'appel_connections',
    help: 'Clients connected to this node',
    registers,
  });
  const rooms = new Gauge({
    name: 'appel_rooms',
    help: 'Rooms open on this node',
    registers,
  });
  // Relays are counted in plain numbers, once per message, and handed to prom-client on scrape:
  // its label hashing would cost more than the count.
  const unreported = Object.fromEntries(RELAY_EVENTS.map((event) => [event, 0])) as Record<
    RelayEvent,
    number
  >;
  // Registered with `registry`, which is all it needs: its count comes in through `collect`.
  new Counter({
    name: 'appel_relayed_events_total',
    help: 'Events relayed from one peer to another, by event',
    labelNames: ['event'] as const,
    registers,
    collect() {
      for (const event of RELAY_EVENTS) {
        if (unreported[event] === 0) continue;
        this.inc({ event }, unreported[event]);
        unreported[event] = 0;
      }
    },
  });
  // One labels object per event, made once.
  const labelsOf = Object.fromEntries(RELAY_EVENTS.map((event) => [event, { event }])) as Record<
    RelayEvent,
    { event: RelayEvent }
  >;
  const refused = new Counter({
    name: 'appel_refusals_total',
    help: 'Handshakes and events refused, by error code',
    labelNames: ['code'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'appel_relay_latency_seconds',
    help: 'Time from an event arriving to its relay leaving, by event',
    labelNames: ['event'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  if (options.processMetrics ?? true) {
    collectDefaultMetrics({
      register: registry,
      eventLoopMonitoringPrecision: options.eventLoopResolutionMs ?? 10,
    });
  }
  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    connections: (delta) => connections.inc(delta),
    rooms: (count) => rooms.set(count),
    relayed: (event: RelayEvent, seconds: number) => {
      unreported[event] += 1;
      latency.observe(labelsOf[event], seconds);
    },
    refused: (code: ErrorCode) => refused.inc({ code }),
  };
}

/** Whether `metrics` can be scraped (came from {@link createPrometheusMetrics}). */
export function isPrometheusMetrics(metrics: ServerMetrics): metrics is PrometheusMetrics {
  return 'render' in metrics && 'registry' in metrics;
}

/** The path scrapers read. */
export const METRICS_PATH = '/metrics';

/**
 * Serves `GET /metrics` to requests bearing `Authorization: Bearer <token>`; answers `false`
 * for any other path so the next handler runs. A wrong or missing token gets 401 with a
 * `WWW-Authenticate` challenge and no hint of what is counted.
 */
export function createMetricsHandler(
  metrics: ServerMetrics,
  token: string,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  if (!isPrometheusMetrics(metrics)) {
    throw new RangeError('metricsToken needs metrics from createPrometheusMetrics() to serve');
  }
  if (token.length < MIN_ACCESS_KEY_LENGTH || token.length > 256) {
    // The token itself stays out of the message: messages end up in logs.
    throw new RangeError(`metricsToken must be ${MIN_ACCESS_KEY_LENGTH} to 256 characters`);
  }
  const digest = digestOf(token);
  return (req, res) => {
    if (new URL(req.url ?? '/', 'https://localhost').pathname !== METRICS_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(req, res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
      return true;
    }
    const presented = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (presented === undefined || !matchesDigest(presented, digest)) {
      sendText(req, res, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer realm="metrics"' });
      return true;
    }
    metrics.render().then(
      (text) => {
        res.writeHead(200, {
          ...SECURITY_HEADERS,
          'Content-Type': metrics.contentType,
          'Cache-Control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        sendText(req, res, 500, `Metrics failed: ${String(error)}`);
      },
    );
    return true;
  };
}
