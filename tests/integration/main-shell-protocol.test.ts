/**
 * The `app:` protocol handler (main/app-protocol.ts) on real files: what the window's page and its
 * assets are served with, and every way a URL could try to leave the page's folder.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from '../../common/csp.js';
import {
  APP_PAGE_URL,
  APP_SCHEME_DEFINITION,
  contentType,
  createAppProtocolHandler,
  pagePathSegments,
} from '../../main/app-protocol.js';
import { createLogger, type Logger } from '../../signaling-server/log.js';
import { createCleanups } from '../support/cleanups.js';

const cleanups = createCleanups();
afterEach(() => cleanups.run());

const PAGE = '<!doctype html><title>Appel</title>';
let root: string;
let outside: string;
let lines: string[];
let serve: (request: Request) => Promise<Response>;

function logger(): Logger {
  return createLogger('appel:protocol', { silent: false, write: (line) => lines.push(line) });
}

beforeEach(async () => {
  const base = await cleanups.tempDir('appel-protocol-');
  root = join(base, 'renderer');
  outside = join(base, 'secret');
  await mkdir(join(root, 'assets'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(root, 'index.html'), PAGE);
  await writeFile(join(root, 'assets', 'index-abc.js'), 'console.log(1);');
  await writeFile(join(root, 'assets', 'index-abc.css'), 'body{}');
  await writeFile(join(root, 'assets', 'blob.bin'), Buffer.from([0, 1, 2]));
  await writeFile(join(outside, 'key.pem'), 'PRIVATE');
  await writeFile(join(base, 'sibling.txt'), 'SIBLING');
  lines = [];
  serve = createAppProtocolHandler({ root, log: logger() });
});

const get = (url: string, init?: RequestInit): Promise<Response> => serve(new Request(url, init));

describe('the app: scheme', () => {
  it('is standard and secure, and readable by no other origin', () => {
    expect(APP_PAGE_URL).toBe('app://appel/index.html');
    expect(APP_SCHEME_DEFINITION).toEqual({
      scheme: 'app',
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
    });
  });
});

describe('createAppProtocolHandler', () => {
  it('serves the page with the shared CSP and security headers', async () => {
    const response = await get(APP_PAGE_URL);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(PAGE);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      expect(response.headers.get(name)).toBe(value);
    }
  });

  it('serves index.html for / and ignores the query and the fragment', async () => {
    for (const url of ['app://appel/', 'app://appel', 'app://appel/index.html?x=1#fp=AB']) {
      const response = await get(url);
      expect(response.status, url).toBe(200);
      expect(await response.text()).toBe(PAGE);
    }
  });

  it('serves assets with their content type, bytes unchanged', async () => {
    const script = await get('app://appel/assets/index-abc.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log(1);');
    const style = await get('app://appel/assets/index-abc.css');
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const bytes = await get('app://appel/assets/blob.bin');
    expect(bytes.headers.get('content-type')).toBe('application/octet-stream');
    expect(bytes.headers.get('x-content-type-options')).toBe('nosniff');
    expect([...new Uint8Array(await bytes.arrayBuffer())]).toEqual([0, 1, 2]);
    expect(contentType('/a/B.SVG')).toBe('image/svg+xml');
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get(APP_PAGE_URL, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await head.text()).toBe('');
    const post = await get(APP_PAGE_URL, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers 404 for a missing file or a folder', async () => {
    for (const url of [
      'app://appel/missing.html',
      'app://appel/assets',
      'app://appel/assets/missing/x.js',
      'app://appel/index.html/x',
    ]) {
      const response = await get(url);
      expect(response.status, url).toBe(404);
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    }
  });

  it('refuses another host', async () => {
    for (const url of ['app://evil/index.html', 'app://appel.evil/index.html', 'app://APPEL/']) {
      expect((await get(url)).status, url).toBe(403);
    }
    expect(lines.join('')).toContain('reason="unknown host"');
  });

  it.each([
    'app://appel/..%2fsibling.txt',
    'app://appel/..%2Fsecret%2Fkey.pem',
    'app://appel/..%5csibling.txt',
    'app://appel/assets/..%5c..%5csibling.txt',
    'app://appel/%2e%2e%2f%2e%2e%2fsecret/key.pem',
    'app://appel/assets/%2e%2e%5c%2e%2e%5csibling.txt',
    'app://appel/index.html%00.js',
    'app://appel/index.html::$DATA',
    'app://appel/C:%5cWindows%5cwin.ini',
    'app://appel/assets//index-abc.js',
    'app://appel/%E0%A4%A',
  ])('refuses %s', async (url) => {
    const response = await get(url);
    expect(response.status).toBe(403);
    expect(await response.text()).toBe('Forbidden');
  });

  it('keeps dot segments the URL parser resolves inside the folder', async () => {
    // WHATWG URL parsing resolves these before the handler sees them: at worst, the root.
    expect((await get('app://appel/../../sibling.txt')).status).toBe(404);
    expect((await get('app://appel/%2e%2e/sibling.txt')).status).toBe(404);
    expect((await get('app://appel/assets/%2e%2e/index.html')).status).toBe(200);
  });

  it('refuses a symlink that leads out of the folder, and follows one that stays in', async () => {
    await symlink(join(outside, 'key.pem'), join(root, 'key.pem'));
    await symlink(outside, join(root, 'linked'));
    await symlink(join(root, 'index.html'), join(root, 'alias.html'));
    expect((await get('app://appel/key.pem')).status).toBe(403);
    expect((await get('app://appel/linked/key.pem')).status).toBe(403);
    expect(lines.join('')).toContain('reason="links outside the page"');
    const alias = await get('app://appel/alias.html');
    expect(alias.status).toBe(200);
    expect(await alias.text()).toBe(PAGE);
  });

  it('answers 404 while the page is not built', async () => {
    const missing = createAppProtocolHandler({ root: join(root, 'nope') });
    expect((await missing(new Request(APP_PAGE_URL))).status).toBe(404);
  });
});

describe('pagePathSegments', () => {
  it('decodes names and maps folders to index.html', () => {
    expect(pagePathSegments('/')).toEqual(['index.html']);
    expect(pagePathSegments('/assets/a%20b.js')).toEqual(['assets', 'a b.js']);
    expect(pagePathSegments('/assets/')).toEqual(['assets', 'index.html']);
  });

  it('refuses anything that is not a plain name', () => {
    for (const path of [
      '/..',
      '/.',
      '/a//b',
      '/%2e%2e',
      '/a%2fb',
      '/a%5cb',
      '/a%00',
      '/c:',
      '/%',
    ]) {
      expect(pagePathSegments(path), path).toBeNull();
    }
  });
});
