/**
 * The desktop app's Socket.IO client, pinned to one certificate (trust on first use).
 *
 * A server's self-signed certificate is first read without trusting it ({@link probeCertificate});
 * if its SHA-256 fingerprint is the pinned one, the Socket.IO connection is made with the
 * certificates the server presented (its own, and the chain of a CA-issued one) as the only CAs
 * and `rejectUnauthorized: true`, plus a `checkServerIdentity` that compares the leaf's
 * fingerprint instead of host names. So the TLS layer itself refuses any other certificate, on
 * the first connection and on every reconnection.
 */
import { X509Certificate } from 'node:crypto';
import { Agent as HttpsAgent } from 'node:https';
import { isIP } from 'node:net';
import {
  connect as tlsConnect,
  type DetailedPeerCertificate,
  type PeerCertificate,
} from 'node:tls';
import { io, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import type { CertificateProbe } from '../common/bridge-api.js';
import { normalizeFingerprint } from '../common/invite.js';
import type { HandshakeAuth } from '../common/protocol.js';
import type { SignalingSocket } from '../common/signaling-client.js';

/** How long a probe or the first connection may take. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** What {@link readPeerCertificate} learns: the probe plus the certificate itself. */
export interface PeerCertificateInfo extends CertificateProbe {
  /**
   * The presented chain in PEM form, leaf first: the only CAs trusted for this server. A chain
   * file's root (or intermediate) anchors a CA-issued certificate; a self-signed one anchors
   * itself.
   */
  chain: string[];
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

/** The presented certificates, leaf first, up to the root or the last one the server sent. */
function chainOf(leaf: DetailedPeerCertificate): string[] {
  const chain: string[] = [];
  const seen = new Set<string>();
  for (
    let certificate: DetailedPeerCertificate | undefined = leaf;
    certificate?.raw && !seen.has(certificate.fingerprint256);
    certificate = certificate.issuerCertificate
  ) {
    seen.add(certificate.fingerprint256);
    chain.push(toPem(certificate.raw));
  }
  return chain;
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
      const certificate = socket.getPeerCertificate(true);
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
        chain: chainOf(certificate),
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
 * TLS options that accept exactly one leaf certificate: its presented chain is the only set of
 * CAs, verification is on, and the identity check compares the leaf's SHA-256 fingerprint (host
 * names do not matter: the pin is stronger than a name in a self-signed certificate).
 */
export function pinnedTlsOptions(
  chain: string[],
  fingerprint: string,
): {
  ca: string[];
  rejectUnauthorized: true;
  allowPartialTrustChain: true;
  checkServerIdentity: (host: string, certificate: PeerCertificate) => Error | undefined;
} {
  const pinned = requireFingerprint(fingerprint);
  return {
    ca: chain,
    rejectUnauthorized: true,
    // Node ≥ 20.18 / 22.9: an intermediate the server sent may anchor the chain on its own.
    allowPartialTrustChain: true,
    checkServerIdentity: (host, certificate) =>
      certificate.fingerprint256 === pinned
        ? undefined
        : new Error(mismatchMessage(host, certificate.fingerprint256, pinned)),
  };
}

/**
 * A Socket.IO client for `url` that trusts only the certificate with `fingerprint`, not yet
 * connected (common/signaling-client.ts opens it). Rejects, without ever opening a Socket.IO
 * connection, when the server presents another certificate. Socket.IO's reconnections reuse the
 * same pinned TLS options and the same handshake `auth`.
 */
export async function pinnedSocket(
  url: string,
  fingerprint: string,
  auth: HandshakeAuth,
  timeoutMs = CONNECT_TIMEOUT_MS,
): Promise<SignalingSocket> {
  const pinned = requireFingerprint(fingerprint);
  const presented = await readPeerCertificate(url, timeoutMs);
  if (presented.fingerprint !== pinned) {
    throw new Error(mismatchMessage(presented.url, presented.fingerprint, pinned));
  }
  const tlsOptions = pinnedTlsOptions(presented.chain, pinned);
  // engine.io-client hands `ws` a fixed list of TLS options, without `allowPartialTrustChain`;
  // an agent's own options reach `tls.connect` whole. No session cache: every handshake verifies.
  const agent = new HttpsAgent({ ...tlsOptions, maxCachedSessions: 0 });
  // `checkServerIdentity` is passed through to `ws` but missing from socket.io-client's types,
  // which also type `agent` as a string.
  const socketOptions: Partial<ManagerOptions & SocketOptions> &
    ReturnType<typeof pinnedTlsOptions> = {
    transports: ['websocket'],
    // Never share a cached Manager: its TLS options would carry another connection's pin.
    forceNew: true,
    autoConnect: false,
    timeout: timeoutMs,
    auth: { ...auth },
    ...tlsOptions,
    agent: agent as unknown as string,
  };
  return io(presented.url, socketOptions);
}
