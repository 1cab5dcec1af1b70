/**
 * The guest's pins on disk (main/trust-store.ts), with real files: a damaged file is set aside
 * whole, never emptied, reported once, and a fresh list started; through the session the report
 * reaches the page as `SessionInfo.notice`.
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionController } from '../../main/session.js';
import { TRUST_FILE, TrustStore } from '../../main/trust-store.js';
import { silentLogger } from '../../signaling-server/log.js';
import { createCleanups } from '../support/cleanups.js';

const PIN_A = 'AA:'.repeat(31) + 'AA';
const PIN_B = 'BB:'.repeat(31) + 'BB';
const ORIGIN_A = 'https://10.0.0.1:8443';
const ORIGIN_B = 'https://10.0.0.2:8443';

const cleanups = createCleanups();
afterEach(() => cleanups.run());

/** A userData folder holding `content` as the trust file (none when `null`). */
async function userData(content: string | null): Promise<string> {
  const dir = await cleanups.tempDir('appel-trust-');
  if (content !== null) await writeFile(join(dir, TRUST_FILE), content);
  return dir;
}

/** The files beside the trust file that hold a damaged copy. */
async function asideFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith(`${TRUST_FILE}.damaged-`));
}

async function pinsIn(dir: string): Promise<unknown> {
  return JSON.parse(await readFile(join(dir, TRUST_FILE), 'utf8')) as unknown;
}

describe('TrustStore', () => {
  it('starts empty without a file and saves pins in a private file', async () => {
    const dir = await userData(null);
    const store = new TrustStore(dir, silentLogger);
    await expect(store.get(ORIGIN_A)).resolves.toBeNull();
    await store.remember(ORIGIN_A, PIN_A);
    await store.remember(ORIGIN_B, PIN_B);
    await expect(store.get(ORIGIN_A)).resolves.toBe(PIN_A);
    await expect(pinsIn(dir)).resolves.toEqual({ [ORIGIN_A]: PIN_A, [ORIGIN_B]: PIN_B });
    expect((await stat(join(dir, TRUST_FILE))).mode & 0o777).toBe(0o600);
    expect(store.takeNotice()).toBeNull();
  });

  it.each([
    ['invalid JSON', `{"${ORIGIN_A}": "${PIN_A}"`, 'not valid JSON'],
    ['a JSON array', JSON.stringify([ORIGIN_A, PIN_A]), 'not a JSON object'],
    ['JSON null', 'null', 'not a JSON object'],
  ])(
    'sets a file holding %s aside whole, reports it once, and starts a fresh list',
    async (_, damaged, why) => {
      const dir = await userData(damaged);
      const store = new TrustStore(dir, silentLogger);
      await expect(store.get(ORIGIN_A)).resolves.toBeNull();

      const aside = await asideFiles(dir);
      expect(aside).toHaveLength(1);
      expect(aside[0]).toMatch(/^trusted-servers\.json\.damaged-\d{4}-\d\d-\d\dT[\d-]+Z$/);
      const asidePath = join(dir, aside[0] ?? '');
      await expect(readFile(asidePath, 'utf8')).resolves.toBe(damaged);
      await expect(stat(join(dir, TRUST_FILE))).rejects.toMatchObject({ code: 'ENOENT' });

      const notice = store.takeNotice();
      expect(notice).toContain(`damaged (${why}`);
      expect(notice).toContain(`kept as ${asidePath}`);
      expect(notice).toContain('Servers you trusted before will ask again.');
      expect(store.takeNotice()).toBeNull();

      await store.remember(ORIGIN_B, PIN_B);
      await expect(pinsIn(dir)).resolves.toEqual({ [ORIGIN_B]: PIN_B });
      await expect(readFile(asidePath, 'utf8')).resolves.toBe(damaged);
      // The fresh file is sound: nothing more is set aside or reported.
      await expect(store.get(ORIGIN_B)).resolves.toBe(PIN_B);
      expect(await asideFiles(dir)).toEqual(aside);
      expect(store.takeNotice()).toBeNull();
    },
  );

  it('ignores damaged entries of a sound file without setting it aside', async () => {
    const dir = await userData(
      JSON.stringify({
        [ORIGIN_A]: PIN_A.toLowerCase().replaceAll(':', ''),
        'http://10.0.0.3:8443': PIN_B,
        [ORIGIN_B]: 'not a fingerprint',
        'https://10.0.0.4:8443': 42,
      }),
    );
    const store = new TrustStore(dir, silentLogger);
    await expect(store.get(ORIGIN_A)).resolves.toBe(PIN_A);
    await expect(store.get(ORIGIN_B)).resolves.toBeNull();
    await expect(store.get('http://10.0.0.3:8443')).resolves.toBeNull();
    expect(await asideFiles(dir)).toEqual([]);
    expect(store.takeNotice()).toBeNull();
    await store.remember(ORIGIN_B, PIN_B);
    await expect(pinsIn(dir)).resolves.toEqual({ [ORIGIN_A]: PIN_A, [ORIGIN_B]: PIN_B });
  });

  it('refuses to write over a damaged file it cannot move aside', async () => {
    const damaged = '[not, json';
    const dir = await userData(damaged);
    const now = new Date('2030-01-02T03:04:05.678Z');
    vi.useFakeTimers({ toFake: ['Date'], now });
    cleanups.push(() => vi.useRealTimers());
    // Something already holds the name the damaged file would be moved to.
    const blocked = join(dir, `${TRUST_FILE}.damaged-2030-01-02T03-04-05-678Z`);
    await mkdir(blocked);
    await writeFile(join(blocked, 'keep'), 'x');
    const store = new TrustStore(dir, silentLogger);
    await expect(store.remember(ORIGIN_A, PIN_A)).rejects.toThrow(
      `Your trusted servers file ${join(dir, TRUST_FILE)} is damaged (not valid JSON`,
    );
    await expect(store.get(ORIGIN_A)).rejects.toThrow('cannot be moved aside');
    await expect(readFile(join(dir, TRUST_FILE), 'utf8')).resolves.toBe(damaged);
    expect(store.takeNotice()).toBeNull();
  });
});

describe('a damaged trust file during a join', () => {
  it('is reported once in SessionInfo.notice and the new pin lands in a fresh file', async () => {
    const hostDir = await userData(null);
    await writeFile(join(hostDir, 'settings.json'), JSON.stringify({ port: 0 }));
    const host = new SessionController({
      userDataDir: hostDir,
      bindHost: '127.0.0.1',
      logger: silentLogger,
      serverLogger: silentLogger,
    });
    cleanups.push(() => host.leave());
    const hosted = await host.host({ name: 'Ann' });
    const invite = hosted.host?.invite ?? '';

    const damaged = '{"https://old.example:8443": ';
    const guestDir = await userData(damaged);
    const guest = new SessionController({ userDataDir: guestDir, logger: silentLogger });
    cleanups.push(() => guest.leave());
    const joined = await guest.join({ url: invite, name: 'Bob' });
    const [aside] = await asideFiles(guestDir);
    expect(joined.notice).toContain(`kept as ${join(guestDir, aside ?? '')}`);
    expect(guest.session?.notice).toBe(joined.notice);
    await expect(readFile(join(guestDir, aside ?? ''), 'utf8')).resolves.toBe(damaged);
    await expect(pinsIn(guestDir)).resolves.toEqual({ [hosted.url]: hosted.fingerprint });

    await guest.leave();
    const again = await guest.join({ url: invite, name: 'Bob' });
    expect(again.notice).toBeUndefined();
    expect(await asideFiles(guestDir)).toHaveLength(1);
  });
});
