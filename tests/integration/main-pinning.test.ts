/**
 * The desktop client's certificate pinning, against the real HTTPS signaling server, the real
 * socket.io-client and the shared SignalingClient: the right fingerprint connects, any other
 * certificate is refused before a Socket.IO connection exists, reconnections stay pinned, and a
 * CA-issued certificate (served with its chain) is pinned by its leaf like a self-signed one.
 */
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../common/bridge-api.js';
import type { HandshakeAuth } from '../../common/protocol.js';
import { SignalingClient, type SignalingSocket } from '../../common/signaling-client.js';
import {
  mismatchMessage,
  pinnedSocket,
  pinnedTlsOptions,
  probeCertificate,
  readPeerCertificate,
} from '../../main/pinned-client.js';
import { silentLogger } from '../../signaling-server/log.js';
import { createSignalingServer, type SignalingServer } from '../../signaling-server/server.js';
import { fingerprintOf, loadOrCreateCertificate } from '../../signaling-server/tls.js';
import { generateCaChain, type CaChain } from '../support/ca-chain.js';
import { createCleanups } from '../support/cleanups.js';

/** What a server presents: its cert file (leaf first, then any chain) and the leaf's key. */
interface Tls {
  cert: string;
  key: string;
}

interface Started {
  server: SignalingServer;
  tls: Tls;
  /** Sockets that reached the server's `connection` handler. */
  connections: string[];
}

const WAIT_MS = 5000;

const cleanups = createCleanups();
afterEach(() => cleanups.run());

/** One CA chain for the file: immutable, so sharing it shares no state. */
let ca: CaChain;
beforeAll(async () => {
  ca = await generateCaChain();
});

async function selfSigned(): Promise<Tls> {
  const dataDir = await cleanups.tempDir('appel-pin-');
  const { cert, key } = await loadOrCreateCertificate({ dataDir });
  return { cert, key };
}

async function startServer(port = 0, given?: Tls): Promise<Started> {
  const tls = given ?? (await selfSigned());
  const server = await createSignalingServer({
    host: '127.0.0.1',
    port,
    tls,
    logger: silentLogger,
  });
  cleanups.push(() => server.close());
  const connections: string[] = [];
  server.io.on('connection', (socket) => connections.push(socket.id));
  return { server, tls, connections };
}

function track<S extends Socket>(socket: S): S {
  cleanups.push(() => {
    socket.disconnect();
  });
  return socket;
}

/** A pinned socket and the app's signaling client on it, closed when the test ends. */
async function pinnedClient(
  url: string,
  fingerprint: string,
  auth: HandshakeAuth = { name: 'Pinned' },
): Promise<{ socket: SignalingSocket; client: SignalingClient; statuses: ConnectionStatus[] }> {
  const socket = track(await pinnedSocket(url, fingerprint, auth));
  // Reconnect quickly: these tests restart servers.
  socket.io.reconnectionDelay(50).reconnectionDelayMax(200);
  const client = new SignalingClient(socket, { warn: () => undefined, joinTimeoutMs: WAIT_MS });
  cleanups.push(() => client.close());
  const statuses: ConnectionStatus[] = [];
  client.on('connectionStatus', (status) => statuses.push(status));
  return { socket, client, statuses };
}

/** The next status matching `match`. */
function nextStatus(
  client: SignalingClient,
  match: (status: ConnectionStatus) => boolean,
): Promise<ConnectionStatus> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no matching connection status')), WAIT_MS);
    const off = client.on('connectionStatus', (status) => {
      if (!match(status)) return;
      clearTimeout(timer);
      off();
      resolve(status);
    });
  });
}

/** The next failed reconnection attempt; rejects if every attempt succeeds for a while. */
function nextReconnectError(socket: SignalingSocket): Promise<Error> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no failed reconnection attempt')), WAIT_MS);
    socket.io.once('reconnect_error', (error) => {
      clearTimeout(timer);
      resolve(error);
    });
  });
}

/** The transport's reason under a `connect_error` / `reconnect_error` ("websocket error"). */
function transportCause(error: Error): string {
  const { description } = error as Error & { description?: { message?: unknown } };
  const cause = description?.message;
  return typeof cause === 'string' ? `${error.message} ${cause}` : error.message;
}

describe('probeCertificate', () => {
  it('reports the fingerprint, subject and expiry the server presents', async () => {
    const { server } = await startServer();
    const probe = await probeCertificate(`${server.url}/#fp=ignored`);
    expect(probe).toEqual({
      url: server.url,
      fingerprint: server.fingerprint,
      subject: expect.stringContaining('CN=Appel signaling') as string,
      validTo: expect.stringMatching(/GMT$/) as string,
    });
  });

  it('opens no Socket.IO connection', async () => {
    const { server, connections } = await startServer();
    await probeCertificate(server.url);
    expect(connections).toEqual([]);
    expect(server.io.engine.clientsCount).toBe(0);
  });

  it('explains an unreachable server', async () => {
    const { server } = await startServer();
    const { url } = server;
    await server.close();
    await expect(probeCertificate(url)).rejects.toThrow(`Cannot reach ${url}: `);
  });

  it('refuses anything but https://', async () => {
    await expect(probeCertificate('http://127.0.0.1:1')).rejects.toThrow(
      'is not an https:// address',
    );
  });
});

describe('pinnedSocket', () => {
  it('connects with the right fingerprint in any spelling and joins through the client', async () => {
    const { server, connections } = await startServer();
    const spelled = server.fingerprint.toLowerCase().replaceAll(':', '');
    const { client, statuses } = await pinnedClient(server.url, spelled, { name: 'Ann' });
    expect(connections).toEqual([]); // Not connected before the client opens it.
    const welcome = await client.open();
    expect(welcome).toEqual({ room: null, self: { id: connections[0], name: 'Ann' }, peers: [] });
    expect(statuses).toEqual([{ phase: 'connecting' }, { phase: 'connected', self: welcome.self }]);
  });

  it('refuses another certificate with both fingerprints, before any connection', async () => {
    const { server, connections } = await startServer();
    const otherFingerprint = fingerprintOf((await selfSigned()).cert);
    await expect(pinnedSocket(server.url, otherFingerprint, {})).rejects.toThrow(
      `The server at ${server.url} presents certificate SHA-256 ${server.fingerprint}, ` +
        `but you trusted ${otherFingerprint}. Refusing to connect.`,
    );
    expect(connections).toEqual([]);
    expect(server.io.engine.clientsCount).toBe(0);
  });

  it('rejects a malformed fingerprint', async () => {
    const { server } = await startServer();
    await expect(pinnedSocket(server.url, 'AB:CD', {})).rejects.toThrow(
      'is not a SHA-256 certificate fingerprint',
    );
  });

  it('leaves the TLS layer itself refusing a different certificate', async () => {
    // The options a pinned socket carries, aimed at a server with another certificate.
    const pinned = await startServer();
    const impostor = await startServer();
    const socket = track(
      ioClient(impostor.server.url, {
        transports: ['websocket'],
        reconnection: false,
        ...pinnedTlsOptions([pinned.tls.cert], pinned.server.fingerprint),
      }),
    );
    const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    expect(transportCause(error)).toMatch(/self.signed certificate/i);
    expect(impostor.connections).toEqual([]);
  });

  it('stays pinned across reconnections when the server comes back with another certificate', async () => {
    const first = await startServer();
    const { port } = first.server;
    const { socket, client } = await pinnedClient(first.server.url, first.server.fingerprint);
    await client.open();
    const reconnectError = nextReconnectError(socket);
    await first.server.close();
    const second = await startServer(port);
    const error = await reconnectError;
    expect(transportCause(error)).toMatch(/self.signed certificate/i);
    expect(client.connected).toBe(false);
    expect(second.connections).toEqual([]);
  });

  it('reconnects to the same certificate after a restart, as the same peer', async () => {
    const first = await startServer();
    const { port } = first.server;
    const { client } = await pinnedClient(first.server.url, first.server.fingerprint, {
      name: 'Ann',
    });
    const welcome = await client.open();
    const lost = nextStatus(client, (status) => status.phase === 'reconnecting');
    await first.server.close();
    await lost;
    const back = nextStatus(client, (status) => status.phase === 'connected');
    const second = await startServer(port, first.tls);
    const status = await back;
    expect(second.connections).toHaveLength(1);
    // A new socket, resuming the peer id of the first connection (its welcome's token).
    expect(second.connections[0]).not.toBe(welcome.self.id);
    expect(status.self).toEqual({ id: welcome.self.id, name: 'Ann' });
    expect(client.connected).toBe(true);
  });
});

describe('a CA-issued certificate served with its chain', () => {
  it('is read leaf first, with the chain the server sent', async () => {
    const { server } = await startServer(0, {
      cert: ca.leaf + ca.intermediate + ca.root,
      key: ca.key,
    });
    const presented = await readPeerCertificate(server.url);
    expect(server.fingerprint).toBe(ca.leafFingerprint);
    expect(presented.fingerprint).toBe(ca.leafFingerprint);
    expect(presented.subject).toContain('CN=localhost');
    expect(presented.chain.map((pem) => pem.trim())).toEqual(
      [ca.leaf, ca.intermediate, ca.root].map((pem) => pem.trim()),
    );
  });

  it('connects when pinned to the leaf (leaf + intermediate + root)', async () => {
    const { server, connections } = await startServer(0, {
      cert: ca.leaf + ca.intermediate + ca.root,
      key: ca.key,
    });
    const { client } = await pinnedClient(server.url, ca.leafFingerprint, { name: 'Ann' });
    const welcome = await client.open();
    expect(welcome.self).toEqual({ id: connections[0], name: 'Ann' });
  });

  it('connects when pinned to the leaf without the root (leaf + intermediate)', async () => {
    const { server, connections } = await startServer(0, {
      cert: ca.leaf + ca.intermediate,
      key: ca.key,
    });
    const { client } = await pinnedClient(server.url, ca.leafFingerprint);
    const welcome = await client.open();
    expect(welcome.self.id).toBe(connections[0]);
  });

  it('refuses a pin on another certificate of the chain', async () => {
    const { server, connections } = await startServer(0, {
      cert: ca.leaf + ca.intermediate + ca.root,
      key: ca.key,
    });
    await expect(pinnedSocket(server.url, ca.intermediateFingerprint, {})).rejects.toThrow(
      mismatchMessage(server.url, ca.leafFingerprint, ca.intermediateFingerprint),
    );
    expect(connections).toEqual([]);
  });

  it('refuses, in TLS itself, another leaf from the same CA after the probe', async () => {
    const first = await startServer(0, { cert: ca.leaf + ca.intermediate + ca.root, key: ca.key });
    const { port, url } = first.server;
    const { client } = await pinnedClient(url, ca.leafFingerprint);
    // The certificate changes between the probe and the connection: the same CA vouches for the
    // newcomer, so only the fingerprint check stops it.
    await first.server.close();
    const sibling = await startServer(port, {
      cert: ca.sibling.leaf + ca.intermediate + ca.root,
      key: ca.sibling.key,
    });
    const refused = client.open();
    await expect(refused).rejects.toThrow(/^disconnected: Cannot reach the signaling server: /);
    await expect(refused).rejects.toThrow(
      `presents certificate SHA-256 ${ca.sibling.fingerprint}, but you trusted ${ca.leafFingerprint}`,
    );
    expect(sibling.connections).toEqual([]);
  });

  it('stays pinned to the leaf across reconnections to another leaf from the same CA', async () => {
    const first = await startServer(0, { cert: ca.leaf + ca.intermediate, key: ca.key });
    const { port, url } = first.server;
    const { socket, client } = await pinnedClient(url, ca.leafFingerprint);
    await client.open();
    const reconnectError = nextReconnectError(socket);
    await first.server.close();
    const sibling = await startServer(port, {
      cert: ca.sibling.leaf + ca.intermediate,
      key: ca.sibling.key,
    });
    const error = await reconnectError;
    expect(transportCause(error)).toContain(
      `presents certificate SHA-256 ${ca.sibling.fingerprint}, but you trusted ${ca.leafFingerprint}`,
    );
    expect(sibling.connections).toEqual([]);
  });
});
