/**
 * The call page's Content-Security-Policy, declared once: the signaling server sends it as a
 * header, the desktop app's `app:` protocol handler sends it as a header, and the build writes it
 * into index.html's meta tag (vite.config.ts), so the three cannot drift apart.
 */

/** Nothing by default, then only what a call needs. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The policy as a meta tag may carry it: browsers ignore `frame-ancestors` there. */
export const META_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.split('; ')
  .filter((directive) => !directive.startsWith('frame-ancestors'))
  .join('; ');

/** Headers sent with every response of the call page. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  // Invites carry their key in the fragment, which is never in a Referer; this makes sure.
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};
