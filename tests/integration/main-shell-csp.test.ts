/**
 * The call page's CSP is declared once (common/csp.ts): the build writes it into index.html's
 * meta tag, so the page carries exactly the policy the app protocol and the server send.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { IndexHtmlTransformContext, Plugin } from 'vite';
import { describe, expect, it } from 'vitest';
import { META_CONTENT_SECURITY_POLICY } from '../../common/csp.js';
import { CSP_PLACEHOLDER, contentSecurityPolicy } from '../../vite.config.js';

const sourceHtml = fileURLToPath(new URL('../../renderer/index.html', import.meta.url));
const builtHtml = fileURLToPath(new URL('../../dist/renderer/index.html', import.meta.url));

/** The meta tags' policies, attribute-decoded. */
function metaPolicies(html: string): string[] {
  const tags = html.match(/<meta\s[^>]*http-equiv="Content-Security-Policy"[^>]*>/gi) ?? [];
  return tags.map((tag) =>
    (/\scontent="([^"]*)"/.exec(tag)?.[1] ?? '').replace(/&quot;/g, '"').replace(/&amp;/g, '&'),
  );
}

/** Runs the plugin's transformIndexHtml hook the way Vite does. */
function transform(plugin: Plugin, html: string): unknown {
  const hook = plugin.transformIndexHtml;
  if (!hook || typeof hook === 'function') throw new Error('expected an ordered hook');
  expect(hook.order).toBe('pre');
  const context = { path: '/index.html', filename: sourceHtml } as IndexHtmlTransformContext;
  return (hook.handler as (html: string, ctx: IndexHtmlTransformContext) => unknown).call(
    {},
    html,
    context,
  );
}

describe('the CSP build step', () => {
  it('fills the source page’s one meta tag with the shared policy', () => {
    const source = readFileSync(sourceHtml, 'utf8');
    expect(metaPolicies(source)).toEqual([CSP_PLACEHOLDER]);
    const html = transform(contentSecurityPolicy(), source);
    expect(typeof html).toBe('string');
    expect(metaPolicies(html as string)).toEqual([META_CONTENT_SECURITY_POLICY]);
    expect(html).not.toContain(CSP_PLACEHOLDER);
    expect(META_CONTENT_SECURITY_POLICY).toMatch(/^default-src 'none'; /);
    expect(META_CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
  });

  it('fails the build when the placeholder is gone', () => {
    expect(() =>
      transform(contentSecurityPolicy(), '<meta http-equiv="Content-Security-Policy" content="x">'),
    ).toThrow(`index.html has no <meta content="${CSP_PLACEHOLDER}"> to fill`);
  });

  it('is in the built page', () => {
    expect(existsSync(builtHtml), 'dist/renderer/index.html is missing: run npm run build').toBe(
      true,
    );
    expect(metaPolicies(readFileSync(builtHtml, 'utf8'))).toEqual([META_CONTENT_SECURITY_POLICY]);
  });
});
