/** Files in userData: settings (defaults, validation field by field, atomic writes), trusted servers. */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  loadSettings,
  saveSettings,
  SETTINGS_FILE,
} from '../../main/settings.js';
import { TRUST_FILE, TrustStore } from '../../main/trust-store.js';
import { createLogger } from '../../signaling-server/log.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'appel-settings-'));
  dirs.push(dir);
  return dir;
}

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger('appel:settings', { write: (line) => lines.push(line) }) };
}

describe('settings', () => {
  it('defaults to port 8443 on every interface, no port forwarding, without a file', async () => {
    const { lines, log } = capture();
    await expect(loadSettings(await tempDir(), log)).resolves.toEqual({
      port: 8443,
      bindHost: '0.0.0.0',
      forwardPort: false,
    });
    expect(lines).toEqual([]);
  });

  it('saves and loads back, atomically, in a directory it creates', async () => {
    const dir = join(await tempDir(), 'nested', 'userData');
    await saveSettings(dir, { port: 9000, bindHost: '127.0.0.1', forwardPort: false });
    await saveSettings(dir, { port: 9001, bindHost: '127.0.0.1', forwardPort: true });
    await expect(loadSettings(dir)).resolves.toEqual({
      port: 9001,
      bindHost: '127.0.0.1',
      forwardPort: true,
    });
    // No temporary file is left behind.
    expect(await readdir(dir)).toEqual([SETTINGS_FILE]);
  });

  it('falls back to the defaults with a log line when the file is not JSON', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, SETTINGS_FILE), '{"port": 80');
    const { lines, log } = capture();
    await expect(loadSettings(dir, log)).resolves.toEqual(DEFAULT_SETTINGS);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /warn appel:settings cannot read settings; using defaults .*not valid JSON/,
    );
  });

  it('keeps the good fields and replaces each bad one with its default', async () => {
    const dir = await tempDir();
    const { lines, log } = capture();
    await writeFile(
      join(dir, SETTINGS_FILE),
      JSON.stringify({ port: 70000, bindHost: '127.0.0.1', extra: true }),
    );
    await expect(loadSettings(dir, log)).resolves.toEqual({
      ...DEFAULT_SETTINGS,
      bindHost: '127.0.0.1',
    });
    await writeFile(
      join(dir, SETTINGS_FILE),
      JSON.stringify({ port: 9000, bindHost: 'my laptop', forwardPort: 'yes' }),
    );
    await expect(loadSettings(dir, log)).resolves.toEqual({ ...DEFAULT_SETTINGS, port: 9000 });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/problem=.*port.* must be an integer from 0 to 65535, got 70000/);
    expect(lines[1]).toMatch(/problem=.*bindHost.* must be an IP address or/);
    expect(lines[2]).toMatch(/problem=.*forwardPort.* must be true or false, got/);
  });

  it('treats a JSON value that is not an object as damaged', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, SETTINGS_FILE), '[1, 2]');
    const { lines, log } = capture();
    await expect(loadSettings(dir, log)).resolves.toEqual(DEFAULT_SETTINGS);
    expect(lines.join('\n')).toContain('settings must be a JSON object');
  });

  it('refuses to save invalid settings and leaves the file untouched', async () => {
    const dir = await tempDir();
    await saveSettings(dir, { ...DEFAULT_SETTINGS, port: 1234 });
    await expect(saveSettings(dir, { ...DEFAULT_SETTINGS, port: -1 })).rejects.toThrow(
      'Refusing to save invalid settings: "port" must be an integer',
    );
    expect(JSON.parse(await readFile(join(dir, SETTINGS_FILE), 'utf8'))).toMatchObject({
      port: 1234,
    });
  });
});

describe('TrustStore', () => {
  const fp = 'AB:'.repeat(31) + 'AB';

  it('pins a fingerprint per server origin and replaces it when told to', async () => {
    const dir = await tempDir();
    const store = new TrustStore(dir);
    await expect(store.get('https://10.0.0.2:8443')).resolves.toBeNull();
    await store.remember('https://10.0.0.2:8443', fp);
    await store.remember('https://10.0.0.3:8443', fp.replaceAll('AB', 'CD'));
    await expect(new TrustStore(dir).get('https://10.0.0.2:8443')).resolves.toBe(fp);
    await store.remember('https://10.0.0.2:8443', fp.replaceAll('AB', 'EF'));
    await expect(store.get('https://10.0.0.2:8443')).resolves.toBe(fp.replaceAll('AB', 'EF'));
    expect((await readdir(dir)).sort()).toEqual([TRUST_FILE]);
  });

  it('drops damaged entries and survives a damaged file, with a log line each', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, TRUST_FILE),
      JSON.stringify({ 'https://a:1': fp, 'https://b:1': 'not a fingerprint', 'http://c:1': fp }),
    );
    const { lines, log } = capture();
    await expect(new TrustStore(dir, log).get('https://a:1')).resolves.toBe(fp);
    expect(lines).toHaveLength(2);
    await writeFile(join(dir, TRUST_FILE), 'garbage');
    await expect(new TrustStore(dir, log).get('https://a:1')).resolves.toBeNull();
    expect(lines.at(-1)).toContain('set aside a damaged trusted servers file');
  });
});
