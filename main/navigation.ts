/**
 * Where the window may go. The app shows one page; links leave for the system browser, and only
 * when they are plain web links (fiddle's `safelyOpenWebURL`).
 */

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    // Not a URL at all: nothing to allow.
    return null;
  }
}

/** True for `http:`/`https:` URLs, the only ones handed to `shell.openExternal`. */
export function isSafeExternalUrl(url: string): boolean {
  const parsed = parse(url);
  return parsed !== null && (parsed.protocol === 'https:' || parsed.protocol === 'http:');
}

/**
 * True when `url` is the app's own page: same document as `appUrl`, ignoring the query and the
 * fragment (the page keeps its state in the fragment).
 */
export function isAppPage(url: string | undefined, appUrl: string): boolean {
  if (!url) return false;
  const page = parse(url);
  const app = parse(appUrl);
  if (!page || !app) return false;
  return (
    page.protocol === app.protocol &&
    page.host === app.host &&
    page.username === '' &&
    page.password === '' &&
    page.pathname === app.pathname
  );
}
