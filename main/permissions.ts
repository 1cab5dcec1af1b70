/**
 * Which web permissions the window gets: camera, microphone and screen capture for the app's own
 * page, nothing for anything else. Electron grants everything when no handler is set, so both the
 * request and the check handler are wired to this one decision.
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

/** The permissions a call needs. Everything else (notifications, geolocation…) is denied. */
const CALL_PERMISSIONS: ReadonlySet<string> = new Set(['media', 'display-capture']);

/** Decides a permission request or check from `details.requestingUrl` against the app's page. */
export function isPermissionGranted(
  permission: string,
  details: PermissionDetails,
  appUrl: string,
): boolean {
  if (!CALL_PERMISSIONS.has(permission)) return false;
  if (details.isMainFrame === false) return false;
  if (!isAppPage(details.requestingUrl, appUrl)) return false;
  if (details.mediaTypes?.some((type) => !MEDIA_TYPES.has(type))) return false;
  if (
    details.mediaType !== undefined &&
    details.mediaType !== 'unknown' &&
    !MEDIA_TYPES.has(details.mediaType)
  ) {
    return false;
  }
  return true;
}
