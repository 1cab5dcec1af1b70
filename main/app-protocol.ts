/**
 * The `app:` scheme the window loads its page from, instead of `file://`: one origin
 * (`app://appel`) that only serves the built call page's folder, with the shared CSP and security
 * headers on every response. Plain module: main registers the scheme and hands
 * {@link createAppProtocolHandler} to `protocol.handle`; tests call the handler with real files.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative } from 'node:path';
import type { CustomScheme } from 'electron';
import { SECURITY_HEADERS } from '../common/csp.js';
import { silentLogger, type Logger } from '../signaling-server/log.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'appel';
/** The page the window shows: the only URL that gets IPC, permissions and navigation. */
export const APP_PAGE_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * Registered before `ready`. Standard and secure make `app://appel` an origin and a secure context
 * (relative URLs, storage, getUserMedia, the clipboard); the rest stays off, written out: no CSP
 * bypass, no service workers, and no `corsEnabled`, which would let other origins read it.
 */
export const APP_SCHEME_DEFINITION = {
  scheme: APP_SCHEME,
  privileges: {
    standard: true,
    secure: true,
    supportFetchAPI: true,
    bypassCSP: false,
    corsEnabled: false,
    allowServiceWorkers: false,
    stream: false,
    codeCache: false,
    allowExtensions: false,
  },
} as const satisfies CustomScheme;

/** The types a Vite build of the page contains; anything else is served as opaque bytes. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.webm': 'video/webm',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.wav': 'audio/wav',
};

export function contentType(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export interface AppProtocolOptions {
  /** The folder served at `app://appel/` (dist/renderer). */
  root: string;
  /** Refusals are logged here. @default silentLogger */
  log?: Logger;
}

/**
 * A URL path's segments, decoded, or null when one could leave the folder or name something other
 * than a plain file name: `..`, `.`, empty segments, encoded `/` or `\`, NUL, and `:` (a Windows
 * drive or alternate data stream). `/` and a trailing `/` mean `index.html`.
 */
export function pagePathSegments(pathname: string): string[] | null {
  const raw = pathname.replace(/^\//, '').split('/');
  if (raw.at(-1) === '') raw[raw.length - 1] = 'index.html';
  const segments: string[] = [];
  for (const segment of raw) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      // Malformed percent-encoding: not a name any built file has.
      return null;
    }
    if (decoded === '' || decoded === '.' || decoded === '..' || /[/\\\0:]/.test(decoded)) {
      return null;
    }
    segments.push(decoded);
  }
  return segments;
}

/** True when `path` is inside `root` (not `root` itself). */
function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function respond(
  status: number,
  body: string | null,
  headers: Record<string, string> = {},
): Response {
  return new Response(body, {
    status,
    headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...headers },
  });
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * `protocol.handle`'s handler for `app:`: GET and HEAD of files under `root` at host `appel`, with
 * {@link SECURITY_HEADERS}. 403 for another host or a path that leaves the folder (including
 * through a symlink), 404 for a missing file, 405 for other methods, 500 when the disk fails.
 */
export function createAppProtocolHandler(
  options: AppProtocolOptions,
): (request: Request) => Promise<Response> {
  const log = options.log ?? silentLogger;
  const refuse = (url: string, reason: string): Response => {
    log.warn('refused an app: request', { url, reason });
    return respond(403, 'Forbidden');
  };

  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return respond(405, 'Method not allowed', { Allow: 'GET, HEAD' });
    }
    const url = new URL(request.url);
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) {
      return refuse(request.url, 'unknown host');
    }
    const segments = pagePathSegments(url.pathname);
    const file = segments && join(options.root, ...segments);
    if (!file || !isInside(options.root, file)) return refuse(request.url, 'outside the page');

    try {
      const real = await realpath(file);
      if (!isInside(await realpath(options.root), real)) {
        return refuse(request.url, 'links outside the page');
      }
      if (!(await stat(real)).isFile()) return respond(404, 'Not found');
      const headers = { ...SECURITY_HEADERS, 'Content-Type': contentType(real) };
      const body = request.method === 'HEAD' ? null : await readFile(real);
      return new Response(body, { status: 200, headers });
    } catch (error) {
      if (isMissing(error)) return respond(404, 'Not found');
      log.error('cannot serve an app: request', { url: request.url, error: String(error) });
      return respond(500, 'Internal error');
    }
  };
}
