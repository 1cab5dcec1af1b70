/**
 * The STUN/TURN servers a client gets in its room welcome, with TURN credentials minted for that
 * client alone by the TURN REST API scheme (draft-uberti-behave-turn-rest), which coturn checks
 * with `use-auth-secret` + `static-auth-secret`:
 * - username `<expiry unix seconds>:<identity>`;
 * - credential `base64(HMAC-SHA1(secret, username))`.
 * coturn recomputes the credential from the username and the shared secret, and allocates no
 * relay with it once the expiry has passed: the two servers share nothing but the secret.
 *
 * Pure: no I/O, no logging. The secret and the credentials never leave this module but in the
 * welcome sent to the one client they were minted for.
 */
import { createHmac } from 'node:crypto';
import type { IceServer } from '../common/protocol.js';

/** A TURN server (coturn) sharing a secret with this signaling server. */
export interface TurnOptions {
  /** coturn's `static-auth-secret`: 16–256 printable ASCII characters, no spaces. */
  secret: string;
  /** `turn:` / `turns:` URLs of that server, e.g. `turn:turn.example.com:3478?transport=udp`. */
  urls: readonly string[];
  /**
   * How long a minted credential lets its holder make relays, in seconds. coturn checks the
   * expiry when a relay is allocated (a relay made before it keeps being refreshed), and a client
   * allocates at each call and ICE restart, all with the credential of its last welcome: this must
   * outlast a stay in a room between reconnections. A leaked credential relays for as long.
   * @default 86400 (a day: a page left open through a working day still calls; the TURN REST
   * API draft's example)
   */
  ttlSeconds?: number;
}

/** STUN and TURN settings once checked: what {@link iceServersFor} mints from. */
export interface IceConfig {
  turn?: { secret: string; urls: string[]; ttlSeconds: number };
  stunUrls: string[];
}

export const TURN_DEFAULTS = {
  ttlSeconds: 86_400,
} as const satisfies Required<Pick<TurnOptions, 'ttlSeconds'>>;

/** Bounds the options are checked against. */
export const TURN_LIMITS = {
  /** As short as the server access key: a guessable secret lets anyone mint credentials. */
  minSecretLength: 16,
  maxSecretLength: 256,
  /** Enough to place a call; shorter credentials would expire while a call rings. */
  minTtlSeconds: 60,
  /** A week: a leaked credential relays for at most that long. */
  maxTtlSeconds: 7 * 86_400,
  /** URLs per kind; a browser tries every one of them while gathering. */
  maxUrls: 8,
} as const;

/** RFC 7064/7065 URIs: scheme, host (name, IPv4 or [IPv6]), optional port, TURN transport. */
const ICE_URL =
  /^(stun|turn|turns):(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(?::(\d{1,5}))?(\?transport=(?:udp|tcp))?$/;

/**
 * Why `url` is not a usable URL of `kind` (`turn`: `turn:`/`turns:`; `stun`: `stun:`), or `null`
 * when it is. Credentials never go in the URL: TURN gets minted ones.
 */
export function iceUrlProblem(url: string, kind: 'turn' | 'stun'): string | null {
  const example =
    kind === 'turn' ? 'turn:turn.example.com:3478?transport=udp' : 'stun:stun.example.com:3478';
  const match = ICE_URL.exec(url);
  const scheme = match?.[1];
  const schemeFits = kind === 'turn' ? scheme === 'turn' || scheme === 'turns' : scheme === 'stun';
  const port = match?.[3] === undefined ? 1 : Number(match[3]);
  if (!match || !schemeFits || port < 1 || port > 65535 || (kind === 'stun' && match[4])) {
    const schemes = kind === 'turn' ? 'a turn: or turns:' : 'a stun:';
    return `"${url}" is not ${schemes} URL like ${example}`;
  }
  return null;
}

/** Why `secret` cannot be a TURN secret, or `null`. Never quotes the secret. */
export function turnSecretProblem(secret: string): string | null {
  const { minSecretLength: min, maxSecretLength: max } = TURN_LIMITS;
  if (secret.length < min || secret.length > max) return `must be ${min} to ${max} characters`;
  // The same bytes go into turnserver.conf and an environment variable; spaces and non-ASCII are
  // where the two copies drift apart.
  if (!/^[\x21-\x7e]+$/.test(secret)) return 'must be printable ASCII without spaces';
  return null;
}

/** Why `ttl` is not a usable credential lifetime, or `null`. */
export function turnTtlProblem(ttl: number): string | null {
  const { minTtlSeconds: min, maxTtlSeconds: max } = TURN_LIMITS;
  if (!Number.isSafeInteger(ttl) || ttl < min || ttl > max) {
    return `must be an integer from ${min} to ${max} seconds`;
  }
  return null;
}

function checkUrls(urls: readonly string[], kind: 'turn' | 'stun', field: string): string[] {
  if (urls.length > TURN_LIMITS.maxUrls) {
    throw new RangeError(`${field} holds more than ${TURN_LIMITS.maxUrls} URLs`);
  }
  for (const url of urls) {
    const problem = iceUrlProblem(url, kind);
    if (problem) throw new RangeError(`${field}: ${problem}`);
  }
  return [...urls];
}

/**
 * Checks the server's STUN/TURN options; `undefined` when there are none (clients then get no
 * `iceServers` at all). Throws `RangeError` naming the option, never quoting the secret.
 */
export function resolveIceConfig(options: {
  turn?: TurnOptions | undefined;
  stunUrls?: readonly string[] | undefined;
}): IceConfig | undefined {
  const stunUrls = checkUrls(options.stunUrls ?? [], 'stun', 'stunUrls');
  const config: IceConfig = { stunUrls };
  const { turn } = options;
  if (turn !== undefined) {
    const secretProblem = turnSecretProblem(turn.secret);
    if (secretProblem) throw new RangeError(`turn.secret ${secretProblem}`);
    if (turn.urls.length === 0) throw new RangeError('turn.urls needs at least one URL');
    const ttlSeconds = turn.ttlSeconds ?? TURN_DEFAULTS.ttlSeconds;
    const ttlProblem = turnTtlProblem(ttlSeconds);
    if (ttlProblem) throw new RangeError(`turn.ttlSeconds ${ttlProblem}`);
    config.turn = {
      secret: turn.secret,
      urls: checkUrls(turn.urls, 'turn', 'turn.urls'),
      ttlSeconds,
    };
  }
  return config.turn || stunUrls.length > 0 ? config : undefined;
}

/**
 * A TURN REST API credential: `username` = `<expiresAt>:<identity>`, `credential` =
 * base64(HMAC-SHA1(secret, username)), exactly what coturn's `use-auth-secret` recomputes.
 * `identity` must not contain `:` (coturn splits on the first one) and should not name a person:
 * coturn logs usernames, and they cross the network in clear inside TURN messages.
 */
export function mintTurnCredential(
  secret: string,
  identity: string,
  expiresAt: number,
): { username: string; credential: string } {
  if (identity.includes(':')) throw new RangeError('a TURN identity cannot contain ":"');
  const username = `${Math.floor(expiresAt)}:${identity}`;
  const credential = createHmac('sha1', secret).update(username, 'utf8').digest('base64');
  return { username, credential };
}

/**
 * The `iceServers` of one client's welcome: the STUN URLs, then the TURN URLs with a credential
 * for `identity` (the socket id: it names a connection, not a person) valid for the TTL from now.
 */
export function iceServersFor(config: IceConfig, identity: string, now = Date.now()): IceServer[] {
  const servers: IceServer[] = [];
  if (config.stunUrls.length > 0) servers.push({ urls: [...config.stunUrls] });
  const { turn } = config;
  if (turn) {
    const expiresAt = Math.floor(now / 1000) + turn.ttlSeconds;
    servers.push({ urls: [...turn.urls], ...mintTurnCredential(turn.secret, identity, expiresAt) });
  }
  return servers;
}

/** What may be logged about the configuration: URLs and TTL, never the secret. */
export function describeIceConfig(config: IceConfig): Record<string, string | number> {
  return {
    stunUrls: config.stunUrls.join(','),
    turnUrls: config.turn?.urls.join(',') ?? '',
    ...(config.turn && { turnTtlSeconds: config.turn.ttlSeconds }),
  };
}
