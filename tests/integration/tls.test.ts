/**
 * The server's certificate: generated once and kept (same fingerprint after a restart), private
 * key file 0600 in a 0700 directory, EC P-256 with the loopback names, user-provided pairs.
 */
import { normalizeFingerprint } from '../../common/invite.js';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { fingerprintOf, loadOrCreateCertificate } from '../../signaling-server/tls.js';

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'appel-tls-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A user-style certificate made with openssl, as certificates/README.md describes. */
function opensslPair(dir: string, name: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, `${name}-cert.pem`);
  const keyFile = join(dir, `${name}-key.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-sha256',
      '-days',
      '825',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-subj',
      '/CN=appel',
      '-addext',
      'subjectAltName=DNS:my.host,IP:192.168.1.10',
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile };
}

describe('generated certificate', () => {
  it('is generated once and loaded with the same fingerprint after a restart', async () => {
    const dataDir = join(await tempDir(), 'nested', 'appel-signal');
    const first = await loadOrCreateCertificate({ dataDir });
    expect(first.generated).toBe(true);
    expect(first.certPath).toBe(join(dataDir, 'cert.pem'));
    expect(first.keyPath).toBe(join(dataDir, 'key.pem'));
    expect(first.fingerprint).toBe(new X509Certificate(first.cert).fingerprint256);

    const second = await loadOrCreateCertificate({ dataDir });
    expect(second.generated).toBe(false);
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(second.cert).toBe(first.cert);
    expect(await readFile(second.keyPath, 'utf8')).toBe(first.key);
  });

  it('keeps the key 0600 in a 0700 directory, with no temporary files left', async () => {
    const parent = await tempDir();
    const dataDir = join(parent, 'data');
    const loaded = await loadOrCreateCertificate({ dataDir });
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect((await stat(loaded.keyPath)).mode & 0o777).toBe(0o600);
    expect((await readdir(dataDir)).sort()).toEqual(['cert.pem', 'key.pem']);
  });

  it('is EC P-256, SHA-256 signed, valid for years, for localhost and 127.0.0.1', async () => {
    const loaded = await loadOrCreateCertificate({ dataDir: await tempDir() });
    const x509 = new X509Certificate(loaded.cert);
    expect(x509.publicKey.asymmetricKeyType).toBe('ec');
    expect(x509.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(x509.subject).toBe('CN=Appel signaling');
    expect(x509.subjectAltName).toContain('DNS:localhost');
    expect(x509.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(x509.checkHost('localhost')).toBe('localhost');
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.checkIP('::1')).toBe('::1');
    const years = (Date.parse(x509.validTo) - Date.now()) / (365.25 * 24 * 3600 * 1000);
    expect(years).toBeGreaterThan(9.9);
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: loaded.cert });
    expect(text.toString()).toContain('ecdsa-with-SHA256');
  });

  it('regenerates when a file of the pair is missing', async () => {
    const dataDir = await tempDir();
    const first = await loadOrCreateCertificate({ dataDir });
    await rm(first.certPath);
    const second = await loadOrCreateCertificate({ dataDir });
    expect(second.generated).toBe(true);
    expect(second.fingerprint).not.toBe(first.fingerprint);
  });

  it('refuses a corrupted pair instead of silently replacing it', async () => {
    const dataDir = await tempDir();
    const first = await loadOrCreateCertificate({ dataDir });
    await writeFile(first.certPath, 'garbage');
    await expect(loadOrCreateCertificate({ dataDir })).rejects.toThrow(/not a PEM certificate/);
  });
});

describe('user-provided certificate', () => {
  it('loads an openssl EC pair', async () => {
    const dir = await tempDir();
    const pair = opensslPair(dir, 'user');
    const loaded = await loadOrCreateCertificate({ dataDir: join(dir, 'unused'), ...pair });
    expect(loaded.generated).toBe(false);
    expect(loaded.certPath).toBe(pair.certFile);
    expect(loaded.keyPath).toBe(pair.keyFile);
    const expected = execFileSync('openssl', [
      'x509',
      '-noout',
      '-fingerprint',
      '-sha256',
      '-in',
      pair.certFile,
    ])
      .toString()
      .trim()
      .split('=')[1];
    expect(loaded.fingerprint).toBe(expected);
    expect(fingerprintOf(loaded.cert)).toBe(expected);
  });

  it('refuses a certificate with the key of another one, saying so', async () => {
    const dir = await tempDir();
    const one = opensslPair(dir, 'one');
    const two = opensslPair(dir, 'two');
    await expect(
      loadOrCreateCertificate({ dataDir: dir, certFile: one.certFile, keyFile: two.keyFile }),
    ).rejects.toThrow(/do not match/);
  });

  it('says which file is missing or not what it should be', async () => {
    const dir = await tempDir();
    const pair = opensslPair(dir, 'user');
    await expect(
      loadOrCreateCertificate({
        dataDir: dir,
        certFile: join(dir, 'nope.pem'),
        keyFile: pair.keyFile,
      }),
    ).rejects.toThrow(/Cannot read the certificate file .*nope\.pem: no such file/);
    await expect(
      loadOrCreateCertificate({ dataDir: dir, certFile: pair.certFile, keyFile: pair.certFile }),
    ).rejects.toThrow(/not an unencrypted PEM private key/);
    await expect(
      loadOrCreateCertificate({ dataDir: dir, certFile: pair.keyFile, keyFile: pair.keyFile }),
    ).rejects.toThrow(/not a PEM certificate/);
    await expect(
      loadOrCreateCertificate({ dataDir: dir, certFile: pair.certFile }),
    ).rejects.toThrow(/must be given together/);
  });
});

describe('fingerprints', () => {
  const canonical =
    'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';

  it.each([
    ['canonical', canonical],
    ['lowercase', canonical.toLowerCase()],
    ['no separator', canonical.replaceAll(':', '')],
    ['spaces', canonical.replaceAll(':', ' ')],
    ['surrounding whitespace', `  ${canonical}\n`],
    [
      'mixed case, no separator',
      'abCDef0123456789ABcdEF0123456789abcdef0123456789ABCDEF0123456789',
    ],
  ])('normalizes %s', (_name, input) => {
    expect(normalizeFingerprint(input)).toBe(canonical);
  });

  it.each([
    ['empty', ''],
    ['too short', canonical.slice(0, -3)],
    ['too long', `${canonical}:00`],
    ['not hex', canonical.replace('AB', 'ZZ')],
    ['SHA-1 length', 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01'],
    ['other separators', canonical.replaceAll(':', '-')],
  ])('rejects %s', (_name, input) => {
    expect(normalizeFingerprint(input)).toBeNull();
  });

  it('matches X509Certificate#fingerprint256 (95 characters)', async () => {
    const loaded = await loadOrCreateCertificate({ dataDir: await tempDir() });
    expect(loaded.fingerprint).toHaveLength(95);
    expect(normalizeFingerprint(loaded.fingerprint)).toBe(loaded.fingerprint);
  });
});
