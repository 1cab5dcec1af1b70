/**
 * Finds the web links in a chat message. Only what starts with `http://` or `https://` and
 * passes common/links.ts's {@link externalLink} becomes a link; `javascript:`, `file:`, bare
 * domains and everything else stay text. Nothing here loads anything.
 */
import { externalLink } from '../../common/links.js';

/** A piece of a message: plain text, or a link with the URL it opens. */
export interface MessagePart {
  text: string;
  /** The address the link opens (normalized by the URL parser); absent for plain text. */
  url?: string;
}

/**
 * A link candidate: the scheme, then anything but spaces, invisible formatting characters
 * (bidirectional overrides could make it read as another address) and the delimiters people
 * put around links.
 */
const CANDIDATE = /\bhttps?:\/\/[^\s\p{Cf}<>"]+/giu;

/** Punctuation that ends a sentence after a link rather than belonging to it. */
const TRAILING = new Set(['.', ',', ';', ':', '!', '?', "'", '*']);
/** A closing bracket belongs to the link only when the link opened it (Wikipedia's `(disambiguation)`). */
const OPENING: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

/** The candidate without the punctuation that follows it in the sentence. */
function trimTrailing(candidate: string): string {
  let link = candidate;
  for (;;) {
    const last = link.at(-1) ?? '';
    const opening = OPENING[last];
    const unbalanced = opening !== undefined && count(link, opening) < count(link, last);
    if (!TRAILING.has(last) && !unbalanced) return link;
    link = link.slice(0, -1);
  }
}

/** Splits `text` into plain parts and links, in order; joined, the parts give `text` back. */
export function splitLinks(text: string): MessagePart[] {
  const parts: MessagePart[] = [];
  let at = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const candidate = trimTrailing(match[0]);
    const url = externalLink(candidate);
    if (!url) continue;
    if (match.index > at) parts.push({ text: text.slice(at, match.index) });
    parts.push({ text: candidate, url: url.href });
    at = match.index + candidate.length;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}
