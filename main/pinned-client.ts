/**
 * The desktop app's Socket.IO client, pinned to one certificate (trust on first use).
 *
 * A server's self-signed certificate is first read without trusting it ({@link probeCertificate});
 * if its SHA-256 fingerprint is the pinned one, the Socket.IO connection is made with that exact
 * certificate as the only CA and `rejectUnauthorized: true`, plus a `checkServerIdentity` that
 * compares fingerprints instead of host names. So the TLS layer itself refuses any other
 * certificate, on the first connection and on every reconnection.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { CertificateProbe } from '../preload/bridge-api.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../signaling-server/protocol.js';
import { normalizeFingerprint } from '../signaling-server/tls.js';

/** A Socket.IO client typed by the wire protocol. */
export type SignalingSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How long a probe or the first connection may take. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** What {@link readPeerCertificate} learns: the probe plus the certificate itself. */
export interface PeerCertificateInfo extends CertificateProbe {
  /** The certificate in PEM form, to be used as the only trusted CA. */
  pem: string;
}

/** Parses an `https://` server URL; anything else is refused with a message for the user. */
export function parseServerUrl(input: string): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new Error(`"${input}" is not a server address; expected https://host:port`);
  }
  if (url.protocol !== 'https:') {
    throw new Error(`"${input}" is not an https:// address; Appel servers only speak HTTPS`);
  }
  return url;
}

/** Canonical fingerprint, or an error naming the bad input. */
export function requireFingerprint(input: string): string {
  const fingerprint = normalizeFingerprint(input);
  if (!fingerprint) {
    throw new Error(
      `"${input}" is not a SHA-256 certificate fingerprint (expected 32 hex bytes, AB:CD:…)`,
    );
  }
  return fingerprint;
}

function formatSubject(certificate: PeerCertificate): string {
  const subject = certificate.subject as Partial<Record<string, string | string[]>> | undefined;
  if (!subject) return '';
  return Object.entries(subject)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : (value ?? '')}`)
    .join(', ');
}

function toPem(raw: Buffer): string {
  return new X509Certificate(raw).toString();
}

/**
 * Reads the certificate a server presents. Verification is off for this one connection only so
 * that an unknown certificate can be shown to the user; nothing is sent and the socket is
 * destroyed as soon as the handshake completes.
 */
export function readPeerCertificate(
  input: string,
  timeoutMs = CONNECT_TIMEOUT_MS,
): Promise<PeerCertificateInfo> {
  const url = parseServerUrl(input);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || 443);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host,
      port,
      // SNI must not carry an IP address.
      ...(isIP(host) === 0 ? { servername: host } : {}),
      rejectUnauthorized: false,
      timeout: timeoutMs,
    });
    const fail = (error: Error): void => {
      socket.destroy();
      reject(new Error(`Cannot reach ${url.origin}: ${error.message}`));
    };
    socket.once('error', fail);
    socket.once('timeout', () => fail(new Error(`no TLS handshake within ${timeoutMs} ms`)));
    socket.once('secureConnect', () => {
      const certificate = socket.getPeerCertificate();
      socket.destroy();
      if (!certificate.raw) {
        reject(new Error(`${url.origin} presented no certificate`));
        return;
      }
      resolve({
        url: url.origin,
        fingerprint: certificate.fingerprint256,
        subject: formatSubject(certificate),
        validTo: certificate.valid_to,
        pem: toPem(certificate.raw),
      });
    });
  });
}

/** The certificate a server presents, without trusting it (trust on first use). */
export async function probeCertificate(url: string): Promise<CertificateProbe> {
  const { fingerprint, subject, validTo, url: origin } = await readPeerCertificate(url);
  return { url: origin, fingerprint, subject, validTo };
}

/** The message shown when a server's certificate is not the pinned one. */
export function mismatchMessage(origin: string, presented: string, pinned: string): string {
  return (
    `The server at ${origin} presents certificate SHA-256 ${presented}, ` +
    `but you trusted ${pinned}. Refusing to connect.`
  );
}

/**
 * TLS options that accept exactly one certificate: it is the only CA, verification is on, and
 * the identity check compares the SHA-256 fingerprint (host names do not matter: the pin is
 * stronger than a name in a self-signed certificate).
 */
export function pinnedTlsOptions(
  certPem: string,
  fingerprint: string,
): {
  ca: string[];
  rejectUnauthorized: true;
  checkServerIdentity: (host: string, certificate: PeerCertificate) => Error | undefined;
} {
  const pinned = requireFingerprint(fingerprint);
  return {
    ca: [certPem],
    rejectUnauthorized: true,
    checkServerIdentity: (host, certificate) =>
      certificate.fingerprint256 === pinned
        ? undefined
        : new Error(mismatchMessage(host, certificate.fingerprint256, pinned)),
  };
}

export interface ConnectPinnedOptions {
  /** Called with the socket before it connects, to attach listeners that must see every event. */
  setup?: (socket: SignalingSocket) => void;
  /** @default CONNECT_TIMEOUT_MS */
  timeoutMs?: number;
}

/**
 * Connects a Socket.IO client to `url` trusting only the certificate with `fingerprint`.
 * Rejects, without ever opening a Socket.IO connection, when the server presents another one.
 * Resolves once connected; Socket.IO's reconnections reuse the same pinned TLS options.
 */
export async function connectPinned(
  url: string,
  fingerprint: string,
  options: ConnectPinnedOptions = {},
): Promise<SignalingSocket> {
  const pinned = requireFingerprint(fingerprint);
  const timeoutMs = options.timeoutMs ?? CONNECT_TIMEOUT_MS;
  const presented = await readPeerCertificate(url, timeoutMs);
  if (presented.fingerprint !== pinned) {
    throw new Error(mismatchMessage(presented.url, presented.fingerprint, pinned));
  }
  // `checkServerIdentity` is passed through to `ws` but missing from socket.io-client's types.
  const socketOptions: Partial<ManagerOptions & SocketOptions> &
    ReturnType<typeof pinnedTlsOptions> = {
    transports: ['websocket'],
    // Never share a cached Manager: its TLS options would carry another connection's pin.
    forceNew: true,
    autoConnect: false,
    timeout: timeoutMs,
    ...pinnedTlsOptions(presented.pem, pinned),
  };
  const socket: SignalingSocket = io(presented.url, socketOptions);
  options.setup?.(socket);
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      socket.off('connect', onConnect);
      socket.off('connect_error', onError);
    };
    const onConnect = (): void => {
      cleanup();
      resolve(socket);
    };
    const onError = (error: Error): void => {
      cleanup();
      socket.disconnect();
      reject(new Error(`Cannot connect to ${presented.url}: ${error.message}`));
    };
    socket.on('connect', onConnect);
    socket.on('connect_error', onError);
    socket.connect();
  });
}
