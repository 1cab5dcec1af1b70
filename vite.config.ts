import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import electron from 'vite-plugin-electron/simple';
import { META_CONTENT_SECURITY_POLICY } from './common/csp.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** What renderer/index.html's CSP meta tag holds in the source, in place of the policy. */
export const CSP_PLACEHOLDER = '%APPEL_CSP%';

/**
 * Writes the shared policy (common/csp.ts) into index.html's meta tag, so the page, the signaling
 * server's header and the app protocol's header cannot drift apart. Fails the build when the
 * placeholder is gone, rather than shipping a page without its policy.
 */
export function contentSecurityPolicy(): Plugin {
  const escaped = META_CONTENT_SECURITY_POLICY.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  return {
    name: 'appel:content-security-policy',
    transformIndexHtml: {
      order: 'pre',
      handler(html) {
        if (!html.includes(`content="${CSP_PLACEHOLDER}"`)) {
          throw new Error(`index.html has no <meta content="${CSP_PLACEHOLDER}"> to fill`);
        }
        return html.replaceAll(CSP_PLACEHOLDER, escaped);
      },
    },
  };
}

/**
 * One build for the three targets: the call page (renderer/ → dist/renderer, served by the
 * signaling server and loaded by the app), the main process (ESM) and the preload, bundled into
 * one CommonJS file because a sandboxed preload cannot load ES modules.
 */
export default defineConfig({
  root: here('./renderer'),
  base: './',
  build: {
    outDir: here('./dist/renderer'),
    emptyOutDir: true,
  },
  plugins: [
    contentSecurityPolicy(),
    electron({
      main: {
        entry: here('./main/index.ts'),
        vite: {
          build: {
            outDir: here('./dist-electron'),
            rolldownOptions: {
              // Loaded from node_modules: its SSDP client reads its own package.json at runtime.
              external: ['@achingbrain/nat-port-mapper'],
              output: { entryFileNames: 'main.js' },
            },
          },
        },
      },
      preload: {
        input: here('./preload/index.ts'),
        vite: {
          build: {
            outDir: here('./dist-electron'),
            rolldownOptions: { output: { entryFileNames: 'preload.cjs' } },
          },
        },
      },
    }),
  ],
});
