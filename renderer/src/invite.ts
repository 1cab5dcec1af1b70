/**
 * Parsing what a user pastes into Join: an invite (`https://host:port/#fp=AB:CD:…`) or a plain
 * server URL, with or without the scheme.
 */

/** A server to join and, when the invite carries one, the certificate fingerprint to pin. */
export interface ParsedInvite {
  /** The server's origin, `https://host:port`. */
  url: string;
  fingerprint?: string;
}

/**
 * Normalises a SHA-256 fingerprint to `AB:CD:…` (95 characters). Accepts upper or lower case,
 * with colons, spaces or nothing between the bytes; returns `null` for anything else.
 */
export function normalizeFingerprint(text: string): string | null {
  const hex = text.replace(/^sha-?256[:\s]*/i, '').replace(/[\s:]/g, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return null;
  return hex.toUpperCase().match(/../g)!.join(':');
}

/** Reads an invite or server URL; throws an `Error` whose message the UI can show as is. */
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
    throw new Error('Appel servers use https:// (the invite starts with https://).');
  }
  const parsed: ParsedInvite = { url: url.origin };
  const fp = new URLSearchParams(url.hash.slice(1)).get('fp');
  if (fp !== null) {
    const fingerprint = normalizeFingerprint(fp);
    if (!fingerprint)
      throw new Error('The fingerprint in this invite is not a SHA-256 fingerprint.');
    parsed.fingerprint = fingerprint;
  }
  return parsed;
}
