/**
 * Invites: the one string a host hands out and a guest pastes into Join or opens in a browser.
 *
 *   https://192.168.1.20:8443/#room=k3Jd…&key=Zx9…&fp=AB:CD:…
 *
 * Everything secret sits in the URL fragment, which a browser never sends in a request line or a
 * Referer. The fingerprint is public (the server shows it to anyone): it protects the guest from
 * a server in the middle, it never admits anyone. The key admits; it is never shown as a
 * fingerprint and never logged.
 */
import { isAccessKey, isRoomId, type RoomId } from './protocol.js';

/** What an invite (or a bare server address) tells a guest. */
export interface ParsedInvite {
  /** The server's origin, `https://host:port`. */
  url: string;
  /** The SHA-256 fingerprint to pin, `AB:CD:…`, when the invite carries one. */
  fingerprint?: string;
  /** The room to join; absent for a server's default room. */
  room?: RoomId;
  /** The room's key; present whenever `room` is. */
  key?: string;
}

/** What {@link formatInvite} puts together. */
export interface InviteParts {
  url: string;
  room: RoomId;
  key: string;
  fingerprint?: string | null;
}

/**
 * Canonical form (`AB:CD:…`, uppercase, colon-separated) of a SHA-256 fingerprint written with
 * colons, spaces or nothing between the bytes, in any case, optionally prefixed `sha256`;
 * `null` if it is not 32 bytes of hex.
 */
export function normalizeFingerprint(text: string): string | null {
  const hex = text
    .trim()
    .replace(/^sha-?256[:\s]*/i, '')
    .replace(/[\s:]/g, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return null;
  return hex.toUpperCase().match(/../g)!.join(':');
}

/** The invite URL for a room. */
export function formatInvite({ url, room, key, fingerprint }: InviteParts): string {
  const fragment = new URLSearchParams({ room, key });
  if (fingerprint) fragment.set('fp', fingerprint);
  // URLSearchParams encodes ':' as %3A; a fingerprint reads better as typed.
  return `${new URL(url).origin}/#${fragment.toString().replace(/%3A/g, ':')}`;
}

/**
 * Reads an invite, a server URL or `host:port`; throws an `Error` whose message the UI can show as
 * is. Only `https:` is accepted: signaling carries the room key.
 */
export function parseInvite(text: string): ParsedInvite {
  const trimmed = text.trim();
  if (trimmed === '') throw new Error('Paste an invite or a server address to join.');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`"${trimmed}" is not an invite or a server address.`);
  }
  if (url.protocol !== 'https:') {
    throw new Error(`"${trimmed}" is not an https:// address; Appel servers only speak HTTPS.`);
  }
  const parsed: ParsedInvite = { url: url.origin };
  const fragment = new URLSearchParams(url.hash.slice(1));
  const fp = fragment.get('fp');
  if (fp !== null) {
    const fingerprint = normalizeFingerprint(fp);
    if (!fingerprint) {
      throw new Error('The fingerprint in this invite is not a SHA-256 fingerprint.');
    }
    parsed.fingerprint = fingerprint;
  }
  const room = fragment.get('room');
  const key = fragment.get('key');
  if (room !== null || key !== null) {
    if (room === null || !isRoomId(room)) throw new Error('This invite names no valid room.');
    if (key === null || !isAccessKey(key)) {
      throw new Error('This invite has no valid key: ask the host for a new one.');
    }
    parsed.room = room;
    parsed.key = key;
  }
  return parsed;
}
