/**
 * electron-builder.yml as electron-builder itself reads it: its own loader finds and parses the
 * file, its own JSON schema (app-builder-lib/scheme.json) validates it, and the packaged binary's
 * Electron fuses are the locked-down set.
 */
import { fileURLToPath } from 'node:url';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util';
import { describe, expect, it } from 'vitest';

const projectDir = fileURLToPath(new URL('../../', import.meta.url));

describe('electron-builder configuration', () => {
  it('is valid against electron-builder’s schema and flips every hardening fuse', async () => {
    const config = await getConfig(projectDir, null, null);
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();

    expect(config.electronFuses).toEqual({
      // No ELECTRON_RUN_AS_NODE, NODE_OPTIONS or --inspect: the installed app is not a Node.
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      // Only app.asar, checked against the hash embedded at build time.
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      // The page comes from app://appel/, not file://.
      grantFileProtocolExtraPrivileges: false,
      loadBrowserProcessSpecificV8Snapshot: false,
    });
    expect(config.asar).toBe(true);
  });

  it('would reject a misspelt fuse, so the check above means something', async () => {
    const config = await getConfig(projectDir, null, null);
    const misspelt = { ...config, electronFuses: { runAsnode: false } } as typeof config;
    await expect(validateConfiguration(misspelt, new DebugLogger(false))).rejects.toThrow(
      /electronFuses/,
    );
  });
});
