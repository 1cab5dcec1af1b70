/**
 * A real signaling server on 127.0.0.1 and a free port, and real socket.io-client sockets, torn
 * down when the test that made them finishes (pass or fail), in the spirit of Socket.IO's own
 * `test/support/util.ts`. Nothing is shared between tests but an immutable test certificate.
 */
import { request } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  io as connectClient,
  type ManagerOptions,
  type Socket as ClientSocket,
  type SocketOptions,
} from 'socket.io-client';
import { onTestFinished } from 'vitest';
import type { Cleanups } from './cleanups.js';
import {
  connectErrorCode,
  isAck,
  parsePeerList,
  type Ack,
  type ClientToServerEvents,
  type ErrorCode,
  type HandshakeAuth,
  type PeerInfo,
  type PeerList,
  type ServerToClientEvents,
} from '../../common/protocol.js';
import {
  createSignalingServer,
  type SignalingServer,
  type SignalingServerOptions,
} from '../../signaling-server/server.js';
import { silentLogger } from '../../signaling-server/log.js';
import { loadOrCreateCertificate } from '../../signaling-server/tls.js';

/** A client typed from the contract, as the app and the web bridge use it. */
export type TestClient = ClientSocket<ServerToClientEvents, ClientToServerEvents>;

/** How long any single wait in a test may take before it fails with a message. */
export const WAIT_MS = 5000;

let testCertificate: Promise<{ cert: string; key: string }> | undefined;

/** One generated certificate per test file: immutable, so sharing it shares no state. */
export function getTestCertificate(): Promise<{ cert: string; key: string }> {
  testCertificate ??= (async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'appel-test-cert-'));
    try {
      const { cert, key } = await loadOrCreateCertificate({ dataDir });
      return { cert, key };
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  })();
  return testCertificate;
}

/** Socket.IO client options a test may add (e.g. `extraHeaders` to send an `Origin`). */
export type ClientOptions = Partial<ManagerOptions & SocketOptions>;

/** A client the server admitted, with what it learnt on connection. */
export interface Connected {
  socket: TestClient;
  /** Its own id, from `newUser`. */
  id: string;
  /** The `peer:list` it got. */
  list: PeerList;
  /** `list.peers`. */
  peers: PeerInfo[];
}

/** A client the server refused at the handshake. */
export interface Refused {
  socket: TestClient;
  error: Error;
  /** `connect_error`'s `data.code`. */
  code: ErrorCode | null;
  /** Every event the client received (it must have received none). */
  received: { event: string; payload: unknown }[];
}

export interface Harness {
  server: SignalingServer;
  certPem: string;
  /** A client, connecting now with handshake `auth`; closed when the test finishes. */
  client(auth?: HandshakeAuth, options?: ClientOptions): TestClient;
  /** A connected client with its own id (from `newUser`) and the peer list it got. */
  connect(auth?: HandshakeAuth, options?: ClientOptions): Promise<Connected>;
  /** A client that must be refused: resolves with the `connect_error`, rejects if admitted. */
  refused(auth?: HandshakeAuth, options?: ClientOptions): Promise<Refused>;
}

/**
 * Starts a server for this test only (127.0.0.1, port 0, silent logs unless given a logger) and
 * closes it and every client from {@link Harness.client} when the test finishes.
 */
export async function startServer(
  options: Partial<Omit<SignalingServerOptions, 'tls'>> = {},
): Promise<Harness> {
  const tls = await getTestCertificate();
  const server = await createSignalingServer({
    logger: silentLogger,
    ...options,
    host: '127.0.0.1',
    port: 0,
    tls,
  });
  const clients = new Set<TestClient>();
  onTestFinished(async () => {
    for (const socket of clients) socket.disconnect();
    await server.close();
  });

  const client = (auth?: HandshakeAuth, extra: ClientOptions = {}): TestClient => {
    const socket: TestClient = connectClient(server.url, {
      transports: ['websocket'],
      ca: tls.cert,
      forceNew: true,
      reconnection: false,
      ...(auth !== undefined && { auth: { ...auth } }),
      ...extra,
    });
    clients.add(socket);
    return socket;
  };

  const connect = async (auth?: HandshakeAuth, extra?: ClientOptions): Promise<Connected> => {
    const socket = client(auth, extra);
    const [id, raw] = await Promise.all([
      nextEvent(socket, 'newUser'),
      nextEvent(socket, 'peer:list'),
      nextEvent(socket, 'connect'),
    ]);
    const list = parsePeerList(raw);
    if (list === null) throw new Error(`not a peer list: ${JSON.stringify(raw)}`);
    return { socket, id: id as string, list, peers: list.peers };
  };

  const refused = async (auth?: HandshakeAuth, extra?: ClientOptions): Promise<Refused> => {
    const socket = client(auth, extra);
    const received = recordEvents(socket);
    const admitted = new Promise<never>((_resolve, reject) => {
      socket.once('connect', () => {
        reject(new Error(`admitted, expected a refusal (auth ${JSON.stringify(auth)})`));
      });
    });
    const error = (await Promise.race([nextEvent(socket, 'connect_error'), admitted])) as Error;
    return { socket, error, code: connectErrorCode(error), received };
  };

  return { server, certPem: tls.cert, client, connect, refused };
}

/**
 * The first argument of the next `event` on `socket`; rejects on timeout, and on `connect_error`
 * unless that is the awaited event.
 */
export function nextEvent(socket: ClientSocket, event: string, ms = WAIT_MS): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${ms} ms waiting for "${event}"`));
    }, ms);
    const onEvent = (value: unknown): void => {
      cleanup();
      resolve(value);
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off(event, onEvent);
      socket.off('connect_error', onError);
    };
    socket.on(event, onEvent);
    if (event !== 'connect_error') socket.on('connect_error', onError);
  });
}

/**
 * Emits any event with any arguments (malformed ones included) and an ack as the last argument;
 * resolves with the server's ack.
 */
export async function send(socket: TestClient, event: string, ...args: unknown[]): Promise<Ack> {
  const untyped = socket as unknown as ClientSocket;
  const ack: unknown = await untyped.timeout(WAIT_MS).emitWithAck(event, ...args);
  if (!isAck(ack)) throw new Error(`not an ack: ${JSON.stringify(ack)}`);
  return ack;
}

/** Emits any event with any arguments and no ack. */
export function sendWithoutAck(socket: TestClient, event: string, ...args: unknown[]): void {
  (socket as unknown as ClientSocket).emit(event, ...args);
}

/** Records every event a client receives, in order. */
export function recordEvents(socket: TestClient): { event: string; payload: unknown }[] {
  const received: { event: string; payload: unknown }[] = [];
  socket.onAny((event: string, payload: unknown) => received.push({ event, payload }));
  return received;
}

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTPS request with the path sent exactly as given (no URL normalisation, unlike fetch). */
export function httpsGet(
  server: SignalingServer,
  certPem: string,
  path: string,
  method = 'GET',
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, method, ca: certPem, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.setTimeout(WAIT_MS, () => req.destroy(new Error(`timed out: ${method} ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

/** A bare server on 127.0.0.1 (port 0 unless given), closed by `cleanups`. */
export async function startServerWith(
  cleanups: Cleanups,
  options: Partial<Omit<SignalingServerOptions, 'tls' | 'host'>> = {},
): Promise<SignalingServer> {
  const server = await createSignalingServer({
    logger: silentLogger,
    port: 0,
    ...options,
    host: '127.0.0.1',
    tls: await getTestCertificate(),
  });
  cleanups.push(() => server.close());
  return server;
}
