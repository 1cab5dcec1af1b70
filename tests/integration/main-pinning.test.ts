/**
 * The desktop client's certificate pinning, against the real HTTPS signaling server and the real
 * socket.io-client: the right fingerprint connects, any other certificate is refused before a
 * Socket.IO connection exists, and reconnections stay pinned.
 */
import { io as ioClient } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  connectPinned,
  pinnedTlsOptions,
  probeCertificate,
  type SignalingSocket,
} from '../../main/pinned-client.js';
import { silentLogger } from '../../signaling-server/log.js';
import { Events } from '../../signaling-server/protocol.js';
import { createSignalingServer, type SignalingServer } from '../../signaling-server/server.js';
import { loadOrCreateCertificate, type LoadedCertificate } from '../../signaling-server/tls.js';
import { createCleanups } from '../support/cleanups.js';

interface Started {
  server: SignalingServer;
  certificate: LoadedCertificate;
  /** Sockets that reached the server's `connection` handler. */
  connections: string[];
}

const cleanups = createCleanups();
afterEach(() => cleanups.run());

async function certificate(): Promise<LoadedCertificate> {
  const dataDir = await cleanups.tempDir('appel-pin-');
  return loadOrCreateCertificate({ dataDir });
}

async function startServer(port = 0, cert?: LoadedCertificate): Promise<Started> {
  const loaded = cert ?? (await certificate());
  const server = await createSignalingServer({
    host: '127.0.0.1',
    port,
    tls: { cert: loaded.cert, key: loaded.key },
    logger: silentLogger,
  });
  cleanups.push(() => server.close());
  const connections: string[] = [];
  server.io.on('connection', (socket) => connections.push(socket.id));
  return { server, certificate: loaded, connections };
}

function track(socket: SignalingSocket): SignalingSocket {
  cleanups.push(() => {
    socket.disconnect();
  });
  return socket;
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

describe('connectPinned', () => {
  it('connects with the right fingerprint and receives newUser with its own id', async () => {
    const { server, connections } = await startServer();
    const newUser = new Promise<string>((resolve) => {
      void connectPinned(server.url, server.fingerprint.toLowerCase().replaceAll(':', ''), {
        setup: (socket) => {
          track(socket);
          socket.once(Events.newUser, resolve);
        },
      });
    });
    const id = await newUser;
    expect(connections).toEqual([id]);
  });

  it('refuses another certificate with both fingerprints, before any connection', async () => {
    const { server, connections } = await startServer();
    const other = await certificate();
    const attempt = connectPinned(server.url, other.fingerprint);
    await expect(attempt).rejects.toThrow(
      `The server at ${server.url} presents certificate SHA-256 ${server.fingerprint}, ` +
        `but you trusted ${other.fingerprint}. Refusing to connect.`,
    );
    expect(connections).toEqual([]);
    expect(server.io.engine.clientsCount).toBe(0);
  });

  it('rejects a malformed fingerprint', async () => {
    const { server } = await startServer();
    await expect(connectPinned(server.url, 'AB:CD')).rejects.toThrow(
      'is not a SHA-256 certificate fingerprint',
    );
  });

  it('leaves the TLS layer itself refusing a different certificate', async () => {
    // The options a pinned socket carries, aimed at a server with another certificate.
    const pinned = await startServer();
    const impostor = await startServer();
    const socket = ioClient(impostor.server.url, {
      transports: ['websocket'],
      reconnection: false,
      ...pinnedTlsOptions(pinned.certificate.cert, pinned.certificate.fingerprint),
    });
    cleanups.push(() => {
      socket.disconnect();
    });
    const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    expect(error.message).toMatch(/websocket error|certificate|self.signed|issuer/i);
    expect(impostor.connections).toEqual([]);
  });

  it('stays pinned across reconnections when the server comes back with another certificate', async () => {
    const first = await startServer();
    const { port } = first.server;
    const socket = track(await connectPinned(first.server.url, first.server.fingerprint));
    const reconnectError = new Promise<Error>((resolve) =>
      socket.io.once('reconnect_error', resolve),
    );
    await first.server.close();
    const second = await startServer(port);
    const error = await reconnectError;
    expect(error.message).toMatch(/websocket error|certificate|self.signed|issuer/i);
    expect(socket.connected).toBe(false);
    expect(second.connections).toEqual([]);
  });

  it('reconnects to the same certificate after a restart', async () => {
    const first = await startServer();
    const { port } = first.server;
    const socket = track(await connectPinned(first.server.url, first.server.fingerprint));
    const reconnected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    await first.server.close();
    const second = await startServer(port, first.certificate);
    await reconnected;
    expect(socket.connected).toBe(true);
    expect(second.connections).toEqual([socket.id]);
  });
});
