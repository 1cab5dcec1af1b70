/**
 * Which web permissions the window gets: camera and microphone, writing to the clipboard (the
 * copy buttons), and screen capture while the user's pick in the app's own picker waits, for the
 * app's own page; nothing for anything else. Electron grants everything when no handler is set,
 * so both the request and the check handler are wired to this one decision.
 */
import { isAppPage } from './navigation.js';

/** The fields of Electron's permission request/check details this decision reads. */
export interface PermissionDetails {
  /** The last URL the requesting frame loaded. */
  requestingUrl?: string;
  isMainFrame?: boolean;
  /** Request handler: the devices asked for. */
  mediaTypes?: readonly string[];
  /** Check handler: the device asked about (`unknown` when enumerating devices). */
  mediaType?: string;
}

const MEDIA_TYPES: ReadonlySet<string> = new Set(['video', 'audio']);

/**
 * What the app's page may use. `clipboard-sanitized-write` is `navigator.clipboard.writeText`;
 * reading the clipboard (`clipboard-read`), notifications, geolocation and the rest are denied.
 */
const PAGE_PERMISSIONS: ReadonlySet<string> = new Set([
  'media',
  'display-capture',
  'clipboard-sanitized-write',
  // The speaker the user chose in the page's device lists (HTMLMediaElement.setSinkId).
  'speaker-selection',
]);

/** What the decision depends on beyond the request. */
export interface PermissionContext {
  /**
   * The user picked a screen or window in the app's picker and its `getDisplayMedia` has not
   * come yet (display-capture.ts). Electron 45 asks for `display-capture` before its display
   * media handler, and so does `getUserMedia` with a `chromeMediaSourceId`, which no handler
   * sees: without a pick, neither gets anything.
   */
  screenPicked: boolean;
}

const NOTHING_PICKED: PermissionContext = { screenPicked: false };

function isCallMedia(details: PermissionDetails): boolean {
  if (details.mediaTypes?.some((type) => !MEDIA_TYPES.has(type))) return false;
  return (
    details.mediaType === undefined ||
    details.mediaType === 'unknown' ||
    MEDIA_TYPES.has(details.mediaType)
  );
}

/** Decides a permission request or check from `details.requestingUrl` against the app's page. */
export function isPermissionGranted(
  permission: string,
  details: PermissionDetails,
  appUrl: string,
  context: PermissionContext = NOTHING_PICKED,
): boolean {
  if (!PAGE_PERMISSIONS.has(permission)) return false;
  if (details.isMainFrame === false) return false;
  if (!isAppPage(details.requestingUrl, appUrl)) return false;
  if (permission === 'display-capture') return context.screenPicked && isCallMedia(details);
  return permission !== 'media' || isCallMedia(details);
}
