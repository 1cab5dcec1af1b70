/**
 * Which web permissions the window gets: camera and microphone, and writing to the clipboard (the
 * copy buttons), for the app's own page; nothing for anything else. Electron grants everything
 * when no handler is set, so both the request and the check handler are wired to this one
 * decision. Screen capture is refused until the app has its own source picker.
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
const PAGE_PERMISSIONS: ReadonlySet<string> = new Set(['media', 'clipboard-sanitized-write']);

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
): boolean {
  if (!PAGE_PERMISSIONS.has(permission)) return false;
  if (details.isMainFrame === false) return false;
  if (!isAppPage(details.requestingUrl, appUrl)) return false;
  return permission !== 'media' || isCallMedia(details);
}

/** Why `getDisplayMedia` was refused, for the log. */
export type DisplayMediaRefusal = 'no-picker' | 'not-the-app-page';

/**
 * `getDisplayMedia` gets no source: granting one without asking would share a screen the user
 * never chose. From the app's page (`frameUrl`) that is a missing feature; from anything else, a
 * stranger asking.
 */
export function refuseDisplayMedia(
  frameUrl: string | undefined,
  appUrl: string,
): DisplayMediaRefusal {
  return isAppPage(frameUrl, appUrl) ? 'no-picker' : 'not-the-app-page';
}
