/**
 * The server's TLS identity: a user-provided certificate/key pair, or a self-signed EC P-256 one
 * generated on first start and kept in the data directory so its fingerprint (which clients pin)
 * stays the same across restarts.
 */
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';

export interface CertificateOptions {
  /** Where a generated pair lives (`cert.pem`, `key.pem`); created with mode 0700 if missing. */
  dataDir: string;
  /** A PEM certificate to use instead of a generated one; needs {@link keyFile}. */
  certFile?: string;
  /** The PEM private key of {@link certFile}. */
  keyFile?: string;
}

export interface LoadedCertificate {
  cert: string;
  key: string;
  /** SHA-256 fingerprint, `AB:CD:…` (95 characters). */
  fingerprint: string;
  certPath: string;
  keyPath: string;
  /** True when this call generated the pair. */
  generated: boolean;
}

/** File names of the generated pair inside the data directory. */
export const CERT_FILE_NAME = 'cert.pem';
export const KEY_FILE_NAME = 'key.pem';

/** Common name of generated certificates. */
export const GENERATED_COMMON_NAME = 'Appel signaling';

/** Validity of generated certificates: pinned clients ignore the CA but Node still checks dates. */
const VALIDITY_YEARS = 10;

/** SHA-256 fingerprint of a PEM certificate in `X509Certificate#fingerprint256` form. */
export function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/** Loads the user's pair, or the generated one from the data directory (generating it once). */
export async function loadOrCreateCertificate(
  options: CertificateOptions,
): Promise<LoadedCertificate> {
  const { certFile, keyFile } = options;
  if (certFile !== undefined || keyFile !== undefined) {
    if (!certFile || !keyFile) {
      throw new Error(
        'A certificate and its private key must be given together (--cert and --key)',
      );
    }
    const cert = await readPem(certFile, 'certificate');
    const key = await readPem(keyFile, 'private key');
    const fingerprint = checkPair(cert, key, certFile, keyFile);
    return { cert, key, fingerprint, certPath: certFile, keyPath: keyFile, generated: false };
  }

  const certPath = join(options.dataDir, CERT_FILE_NAME);
  const keyPath = join(options.dataDir, KEY_FILE_NAME);
  const existing = await readExisting(certPath, keyPath);
  if (existing) {
    const fingerprint = checkPair(existing.cert, existing.key, certPath, keyPath);
    return { ...existing, fingerprint, certPath, keyPath, generated: false };
  }

  const created = await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask; set it exactly, but only on a directory we created.
  if (created !== undefined) await chmod(options.dataDir, 0o700);
  const { cert, key } = await generateCertificate();
  // The key first: a cert.pem on disk then always has its key.pem beside it.
  await writeAtomically(keyPath, key, 0o600);
  await writeAtomically(certPath, cert, 0o644);
  return { cert, key, fingerprint: fingerprintOf(cert), certPath, keyPath, generated: true };
}

/** Every address this machine can be reached at, for the certificate's subjectAltName. */
export function localAddresses(): string[] {
  const addresses = new Set(['127.0.0.1', '::1']);
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (!entry.internal) addresses.add(entry.address);
    }
  }
  return [...addresses];
}

async function generateCertificate(): Promise<{ cert: string; key: string }> {
  const notBeforeDate = new Date(Date.now() - 24 * 60 * 60 * 1000); // tolerate a slow peer clock
  const notAfterDate = new Date(notBeforeDate);
  notAfterDate.setFullYear(notAfterDate.getFullYear() + VALIDITY_YEARS);
  // Loaded only to generate: a server given its certificate never holds the X.509 toolkit.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: GENERATED_COMMON_NAME }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          ...localAddresses().map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

async function readExisting(
  certPath: string,
  keyPath: string,
): Promise<{ cert: string; key: string } | null> {
  try {
    const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    return { cert, key };
  } catch (error) {
    // A missing file means first start (or an interrupted one): generate a fresh pair.
    if (isErrno(error) && error.code === 'ENOENT') return null;
    throw new Error(`Cannot read the certificate in ${certPath}: ${describe(error)}`, {
      cause: error,
    });
  }
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read the ${what} file ${path}: ${describe(error)}`, { cause: error });
  }
}

/** Checks the PEMs parse and belong together; returns the certificate's fingerprint. */
function checkPair(cert: string, key: string, certPath: string, keyPath: string): string {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (error) {
    throw new Error(`${certPath} is not a PEM certificate: ${describe(error)}`, { cause: error });
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new Error(`${keyPath} is not an unencrypted PEM private key: ${describe(error)}`, {
      cause: error,
    });
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new Error(`The certificate ${certPath} and the key ${keyPath} do not match`);
  }
  return x509.fingerprint256;
}

/** Writes via a temporary file and rename so a crash never leaves a half-written file. */
async function writeAtomically(path: string, data: string, mode: number): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data, { mode, flag: 'wx' });
    // writeFile's mode is filtered by the umask; set it exactly.
    await chmod(temp, mode);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new Error(`Cannot write ${path}: ${describe(error)}`, { cause: error });
  }
}

function isErrno(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}

function describe(error: unknown): string {
  if (isErrno(error) && error.code === 'ENOENT') return 'no such file';
  if (isErrno(error) && error.code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}
