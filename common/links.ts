/**
 * Which links a chat message may open: `http:` and `https:` only, never `javascript:`, `file:`,
 * `app:` or a custom scheme that would start another program. Shared by the page (which shows
 * them) and main (which opens them in the system browser), so both refuse the same ones.
 */

/** Longest link opened; a longer one is shown as text only. */
export const MAX_LINK_LENGTH = 2048;

/** The link as a URL when it may be opened in the system browser, else `null`. */
export function externalLink(text: string): URL | null {
  if (text.length > MAX_LINK_LENGTH) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  // Credentials in a link are a phishing device ("https://bank.example@evil.example").
  if (url.username !== '' || url.password !== '') return null;
  return url;
}
