/**
 * The signaling server: node:https + Socket.IO v4. It serves the built call page to browsers and
 * relays offers, answers, ICE candidates and hang-ups between peers by socket id, validating each
 * payload and stamping `from` itself (see protocol.ts, the wire contract).
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server as HttpsServer } from 'node:https';
import { extname, resolve, sep } from 'node:path';
import { Server, type Socket } from 'socket.io';
import { createLogger, type Logger } from './log.js';
import {
  DEFAULT_LIMITS,
  Events,
  RELAY_EVENTS,
  validateRelayRequest,
  type Ack,
  type AnswerRequest,
  type CandidateRequest,
  type ClientToServerEvents,
  type ErrorCode,
  type OfferRequest,
  type PeerId,
  type ProtocolLimits,
  type RelayEvent,
  type RelayRequests,
  type ServerToClientEvents,
} from './protocol.js';
import { fingerprintOf } from './tls.js';

/** Limits the server enforces: the protocol's, plus connection and rate limits. */
export interface ServerLimits extends ProtocolLimits {
  /**
   * Connected sockets at once; the next one gets `connect_error` with `data.code: 'server-full'`.
   * @default 500
   */
  maxConnections: number;
  /**
   * Sustained events per second per socket (token bucket refill rate); above it events are
   * answered `rate-limited`. Trickle ICE sends tens of candidates per call, far below this.
   * @default 100
   */
  eventsPerSecond: number;
  /**
   * Events a socket may send in one burst (token bucket capacity).
   * @default 2 × eventsPerSecond
   */
  eventBurst: number;
}

export interface SignalingServerOptions {
  /**
   * Address to listen on. `0.0.0.0` answers on every IPv4 interface (LAN guests).
   * @default '0.0.0.0'
   */
  host?: string;
  /**
   * TCP port; `0` picks any free port (read the real one from {@link SignalingServer.port}).
   * @default 8443
   */
  port?: number;
  /** PEM certificate and private key (see tls.ts `loadOrCreateCertificate`). Required. */
  tls: { cert: string; key: string };
  /**
   * Directory of the built call page, served at `/`. Without it `/` answers 404 with an
   * explanation and only Socket.IO is served.
   * @default undefined
   */
  staticDir?: string;
  /**
   * Overrides of {@link ServerLimits}; each missing field takes its default.
   * @default DEFAULTS.limits
   */
  limits?: Partial<ServerLimits>;
  /**
   * Where connection events are logged.
   * @default createLogger('appel:server') (stderr; `APPEL_LOG=silent` mutes it)
   */
  logger?: Logger;
}

/** The defaults of {@link SignalingServerOptions}, in one place. */
export const DEFAULTS = {
  host: '0.0.0.0',
  port: 8443,
  limits: {
    ...DEFAULT_LIMITS,
    maxConnections: 500,
    eventsPerSecond: 100,
    eventBurst: 200,
  },
} as const satisfies Omit<Required<SignalingServerOptions>, 'tls' | 'staticDir' | 'logger'>;

/** The Socket.IO server type, typed from the wire contract. */
export type SignalingIo = Server<ClientToServerEvents, ServerToClientEvents>;
type SignalingSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

export interface SignalingServer {
  /** `https://<host>:<port>`, with 127.0.0.1 in place of a wildcard host. */
  url: string;
  /** The port actually bound (useful with `port: 0`). */
  port: number;
  /** SHA-256 fingerprint of the served certificate, `AB:CD:…`. */
  fingerprint: string;
  io: SignalingIo;
  /** Disconnects every client, closes Socket.IO and the HTTPS server. Idempotent. */
  close(): Promise<void>;
}

/** The call page's Content-Security-Policy: nothing by default, then what a call needs. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.wav': 'audio/wav',
};

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`limits.${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function resolveLimits(overrides: Partial<ServerLimits> = {}): ServerLimits {
  const defined = Object.fromEntries(
    Object.entries(overrides).filter(([, value]) => value !== undefined),
  ) as Partial<ServerLimits>;
  const eventsPerSecond = defined.eventsPerSecond ?? DEFAULTS.limits.eventsPerSecond;
  const limits: ServerLimits = {
    ...DEFAULTS.limits,
    ...defined,
    eventBurst: defined.eventBurst ?? 2 * eventsPerSecond,
  };
  for (const [name, value] of Object.entries(limits) as [string, number][]) {
    positiveInteger(name, value);
  }
  return limits;
}

/** A URL a client on this machine can use: wildcard and IPv6 hosts made connectable. */
function urlFor(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `https://${name.includes(':') ? `[${name}]` : name}:${port}`;
}

/** A per-socket token bucket: `rate` tokens per second, at most `burst` saved up. */
function tokenBucket(rate: number, burst: number): () => boolean {
  let tokens = burst;
  let last = performance.now();
  return () => {
    const now = performance.now();
    tokens = Math.min(burst, tokens + ((now - last) / 1000) * rate);
    last = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

function refusal(code: ErrorCode, message: string): Ack {
  return { ok: false, code, message };
}

function isRelayEvent(event: unknown): event is RelayEvent {
  return (RELAY_EVENTS as readonly unknown[]).includes(event);
}

/** Emits the relayed form of a validated request to its target, with `from` stamped. */
function emitRelayed(
  io: SignalingIo,
  event: RelayEvent,
  request: RelayRequests[RelayEvent],
  from: PeerId,
): void {
  const target = io.to(request.to);
  switch (event) {
    case Events.offer:
      target.emit(Events.offer, { offer: (request as OfferRequest).offer, from });
      break;
    case Events.answer:
      target.emit(Events.answer, { answer: (request as AnswerRequest).answer, from });
      break;
    case Events.candidate:
      target.emit(Events.candidate, { candidate: (request as CandidateRequest).candidate, from });
      break;
    case Events.hangUp:
      target.emit(Events.hangUp, { from });
      break;
  }
}

/** Decodes and checks a request path; `null` when it tries to leave the static directory. */
function safeRelativePath(rawUrl: string): string | null {
  const rawPath = rawUrl.split(/[?#]/, 1)[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return null; // Malformed percent-encoding cannot name a real file.
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/');
  if (segments.some((segment) => segment === '..' || segment === '.')) return null;
  const relative = segments.filter(Boolean).join('/');
  return relative === '' ? 'index.html' : relative;
}

function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  head: boolean,
  extra: Record<string, string> = {},
): void {
  const body = Buffer.from(`${text}\n`, 'utf8');
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    ...extra,
  });
  res.end(head ? undefined : body);
}

/** Serves files from `staticDir` (or explains that there is none); Socket.IO handles its own paths. */
function staticHandler(staticDir: string | undefined, logger: Logger) {
  const root = staticDir === undefined ? undefined : resolve(staticDir);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      sendText(res, 405, 'Method not allowed', false, { Allow: 'GET, HEAD' });
      return;
    }
    const relative = safeRelativePath(req.url ?? '/');
    if (relative === null) {
      sendText(res, 400, 'Bad request path', head);
      return;
    }
    if (root === undefined) {
      sendText(
        res,
        404,
        'Not found: this Appel signaling server does not serve the call page ' +
          '(start it with --static-dir pointing at a build of the renderer).',
        head,
      );
      return;
    }
    let file = resolve(root, relative);
    if (!file.startsWith(root + sep)) {
      sendText(res, 400, 'Bad request path', head);
      return;
    }
    try {
      let info = await stat(file);
      if (info.isDirectory()) {
        file = resolve(file, 'index.html');
        info = await stat(file);
      }
      if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
      // A symlink inside the page directory must not expose a file outside it.
      const realRoot = await realpath(root);
      if (!(await realpath(file)).startsWith(realRoot + sep)) {
        throw Object.assign(new Error('outside the static directory'), { code: 'ENOENT' });
      }
      const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': type,
        'Content-Length': info.size,
        // The page's asset names are content-hashed by Vite; the HTML must be revalidated.
        'Cache-Control': type.startsWith('text/html') ? 'no-cache' : 'public, max-age=3600',
      });
      if (head) {
        res.end();
        return;
      }
      const stream = createReadStream(file);
      stream.on('error', (error) => {
        logger.error('static read failed', { file, error: error.message });
        res.destroy(error);
      });
      stream.pipe(res);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        sendText(res, 404, 'Not found', head);
      } else {
        logger.error('static request failed', { path: req.url, error: String(error) });
        sendText(res, 500, 'Internal server error', head);
      }
    }
  };
}

function listen(server: HttpsServer, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const reason =
        error.code === 'EADDRINUSE'
          ? 'the port is already in use'
          : error.code === 'EACCES'
            ? 'permission denied'
            : error.code === 'EADDRNOTAVAIL'
              ? 'no interface of this machine has that address'
              : error.message;
      reject(
        Object.assign(new Error(`Cannot listen on ${host}:${port}: ${reason}`, { cause: error }), {
          code: error.code,
        }),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolvePort(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Starts the HTTPS + Socket.IO signaling server; resolves once it listens. */
export async function createSignalingServer(
  options: SignalingServerOptions,
): Promise<SignalingServer> {
  const host = options.host ?? DEFAULTS.host;
  const requestedPort = options.port ?? DEFAULTS.port;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${requestedPort}`);
  }
  const limits = resolveLimits(options.limits);
  const logger = options.logger ?? createLogger('appel:server');
  const fingerprint = fingerprintOf(options.tls.cert);

  const handleStatic = staticHandler(options.staticDir, logger);
  const https = createServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) => {
    handleStatic(req, res).catch((error: unknown) => {
      logger.error('request failed', { error: String(error) });
      if (!res.headersSent) sendText(res, 500, 'Internal server error', false);
      else res.destroy();
    });
  });
  // A failed TLS handshake (e.g. a browser refusing the self-signed certificate) is routine.
  https.on('tlsClientError', (error) => {
    logger.debug('tls client error', { error: error.message });
  });

  const port = await listen(https, requestedPort, host);
  const io: SignalingIo = new Server(https, {
    serveClient: true,
    // The 1 MB transport default, far above maxPayloadBytes, so oversized events get an ack.
    maxHttpBufferSize: 1e6,
  });
  const sockets = io.of('/').sockets;
  // Sockets past the middleware but not yet in `sockets`; counted so a burst cannot overshoot.
  const admitting = new Set<string>();

  io.use((socket, next) => {
    if (sockets.size + admitting.size >= limits.maxConnections) {
      logger.warn('refused', {
        reason: 'server-full',
        address: socket.handshake.address,
        max: limits.maxConnections,
      });
      const error = new Error(
        `Server full: it already has ${limits.maxConnections} connections; try again later`,
      ) as Error & { data: { code: ErrorCode } };
      error.data = { code: 'server-full' };
      next(error);
      return;
    }
    admitting.add(socket.id);
    socket.conn.once('close', () => admitting.delete(socket.id));
    next();
  });

  io.on('connection', (socket: SignalingSocket) => {
    admitting.delete(socket.id);
    logger.info('connect', {
      id: socket.id,
      address: socket.handshake.address,
      count: sockets.size,
    });
    const peers = [...sockets.keys()].filter((id) => id !== socket.id);
    socket.emit(Events.newUser, socket.id);
    socket.emit(Events.peerList, { peers });
    socket.broadcast.emit(Events.peerJoined, { id: socket.id });

    const allow = tokenBucket(limits.eventsPerSecond, limits.eventBurst);
    socket.onAny((event: unknown, ...args: unknown[]) => {
      const last = args.at(-1);
      const ack = typeof last === 'function' ? (last as (ack: Ack) => void) : undefined;
      const reply = (answer: Ack): void => {
        if (!answer.ok) {
          logger.debug('refused event', { id: socket.id, event: String(event), code: answer.code });
        }
        ack?.(answer);
      };
      try {
        if (!allow()) {
          reply(refusal('rate-limited', `More than ${limits.eventsPerSecond} events per second`));
          return;
        }
        if (!isRelayEvent(event)) {
          reply(refusal('invalid-payload', `unknown event ${JSON.stringify(event)}`));
          return;
        }
        const payload = ack === undefined ? args[0] : args.length > 1 ? args[0] : undefined;
        const result = validateRelayRequest(event, payload, limits);
        if (!result.ok) {
          reply(refusal(result.code, result.message));
          return;
        }
        const { to } = result.value;
        if (to === socket.id) {
          reply(refusal('invalid-payload', '"to" is your own id; you cannot signal yourself'));
          return;
        }
        if (!sockets.has(to)) {
          reply(refusal('unknown-peer', `No peer ${JSON.stringify(to)} is connected`));
          return;
        }
        emitRelayed(io, event, result.value, socket.id);
        logger.debug('relay', { event, from: socket.id, to });
        reply({ ok: true });
      } catch (error) {
        logger.error('event handler failed', {
          id: socket.id,
          event: String(event),
          error: error instanceof Error ? error.message : String(error),
        });
        // Straight to the ack: `reply` logs, and the logger may be what threw.
        ack?.(refusal('internal', 'The server failed to handle this event'));
      }
    });

    socket.on('disconnect', (reason) => {
      logger.info('disconnect', { id: socket.id, reason, count: sockets.size });
      io.emit(Events.peerLeft, { id: socket.id });
    });
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((done) => {
      // Keep-alive page requests must not hold the shutdown open for long.
      const force = setTimeout(() => https.closeAllConnections(), 1000);
      force.unref();
      void io.close(() => {
        clearTimeout(force);
        done();
      });
      https.closeIdleConnections();
    });
    return closing;
  };

  logger.info('listening', { url: urlFor(host, port), host, port, fingerprint });
  return { url: urlFor(host, port), port, fingerprint, io, close };
}
