/**
 * The call page for browsers, served by `serve-static` from the built renderer, with the page's
 * security headers (common/csp.ts) on every response and plain-text errors.
 */
import { realpath, stat } from 'node:fs/promises';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { join, normalize, resolve, sep } from 'node:path';
import serveStatic from 'serve-static';
import { SECURITY_HEADERS } from '../common/csp.js';
import type { Logger } from './log.js';

/** A request handler for everything that is not Socket.IO. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

const NO_PAGE =
  'Not found: this Appel signaling server does not serve the call page ' +
  '(start it with --static-dir pointing at a build of the renderer).';

/** A short plain-text answer carrying the page's security headers. */
export function sendText(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  text: string,
  extra: Record<string, string> = {},
): void {
  const body = Buffer.from(`${text}\n`, 'utf8');
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    ...extra,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function setPageHeaders(res: ServerResponse, path: string): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  // Vite content-hashes the asset names; the HTML that names them must be revalidated.
  res.setHeader('Cache-Control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=3600');
}

/**
 * Whether the request names a symlink inside the page directory that leads out of it. `send`
 * follows symlinks; one planted in a served folder must not expose the rest of the disk.
 */
async function leavesRoot(root: string, realRoot: string, url: string): Promise<boolean> {
  let path: string;
  try {
    path = decodeURIComponent(url.split(/[?#]/, 1)[0] ?? '/');
  } catch {
    return false; // Malformed: `send` answers 400 itself.
  }
  let real: string;
  try {
    real = await realpath(join(root, normalize(`.${sep}${path}`)));
    if ((await stat(real)).isDirectory()) real = await realpath(join(real, 'index.html'));
  } catch {
    return false; // Missing: `send` answers 404 itself.
  }
  return real !== realRoot && !real.startsWith(realRoot + sep);
}

/**
 * Serves `staticDir` (index.html for `/`, no dotfiles), or explains that there is no page; only
 * GET and HEAD. Socket.IO answers its own paths before this runs.
 */
export function createStaticHandler(staticDir: string | undefined, logger: Logger): RequestHandler {
  const root = staticDir === undefined ? undefined : resolve(staticDir);
  const serve =
    root === undefined
      ? undefined
      : serveStatic(root, {
          index: ['index.html'],
          dotfiles: 'ignore',
          // Errors (404 included) come to `next` and are answered in plain text below.
          fallthrough: false,
          cacheControl: false,
          setHeaders: setPageHeaders,
        });
  let realRoot: Promise<string> | undefined;

  const fail = (req: IncomingMessage, res: ServerResponse, error: unknown): void => {
    const status = (error as { status?: unknown } | undefined)?.status;
    const code = typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
    if (code >= 500) logger.error('request failed', { path: req.url, error: String(error) });
    if (res.headersSent) res.destroy();
    else sendText(req, res, code, STATUS_CODES[code] ?? 'Error');
  };

  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(req, res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
      return;
    }
    if (root === undefined || serve === undefined) {
      sendText(req, res, 404, NO_PAGE);
      return;
    }
    realRoot ??= realpath(root).catch(() => root);
    realRoot
      .then((real) => leavesRoot(root, real, req.url ?? '/'))
      .then((leaves) => {
        if (leaves) sendText(req, res, 404, STATUS_CODES[404] ?? 'Not found');
        else serve(req, res, (error) => fail(req, res, error ?? { status: 404 }));
      })
      .catch((error: unknown) => fail(req, res, error));
  };
}
