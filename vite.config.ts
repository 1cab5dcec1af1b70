import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import electron from 'vite-plugin-electron/simple';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

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
    electron({
      main: {
        entry: here('./main/index.ts'),
        vite: {
          build: {
            outDir: here('./dist-electron'),
            rolldownOptions: { output: { entryFileNames: 'main.js' } },
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
