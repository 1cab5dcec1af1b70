/**
 * A CA-issued certificate for 127.0.0.1 and localhost, made with the `openssl` command line the
 * way an operator's CA would issue one: a self-signed root CA, an intermediate CA it signs, and a
 * leaf the intermediate signs. Servers present `leaf + intermediate (+ root)` in their cert file.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The PEMs of one generated chain. Only the leaf's key is kept: the CAs' keys are discarded. */
export interface CaChain {
  root: string;
  intermediate: string;
  leaf: string;
  /** The leaf's private key. */
  key: string;
  /** SHA-256 fingerprint of the leaf, `AB:CD:…`. */
  leafFingerprint: string;
  /** SHA-256 fingerprint of the intermediate, `AB:CD:…`: a fingerprint that is not the leaf's. */
  intermediateFingerprint: string;
  /** A second leaf for the same names from the same intermediate: another server, same CA. */
  sibling: { leaf: string; key: string; fingerprint: string };
}

/** `openssl x509 -req` extension sections for each kind of certificate. */
const EXTENSIONS = `
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;

/** `openssl req` arguments for a fresh EC P-256 key without a passphrase. */
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Generates a root CA, an intermediate CA and two leaves for 127.0.0.1/localhost. */
export async function generateCaChain(): Promise<CaChain> {
  const dir = await mkdtemp(join(tmpdir(), 'appel-ca-'));
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): Promise<unknown> => run('openssl', args, { cwd: dir });
  try {
    await writeFile(file('extensions.cnf'), EXTENSIONS);
    // Root: self-signed CA.
    await openssl(
      'req',
      '-x509',
      ...NEW_KEY,
      '-sha256',
      '-days',
      '30',
      '-keyout',
      file('root.key'),
      '-out',
      file('root.pem'),
      '-subj',
      '/CN=Appel Test Root CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    // Intermediate and leaves: a request each, signed by the CA above them.
    let serial = 10;
    const issue = async (
      name: string,
      subject: string,
      issuer: string,
      section: string,
    ): Promise<void> => {
      await openssl(
        'req',
        '-new',
        ...NEW_KEY,
        '-keyout',
        file(`${name}.key`),
        '-out',
        file(`${name}.csr`),
        '-subj',
        subject,
      );
      await openssl(
        'x509',
        '-req',
        '-in',
        file(`${name}.csr`),
        '-CA',
        file(`${issuer}.pem`),
        '-CAkey',
        file(`${issuer}.key`),
        '-set_serial',
        `0x${Date.now().toString(16)}${serial++}`,
        '-sha256',
        '-days',
        '30',
        '-extfile',
        file('extensions.cnf'),
        '-extensions',
        section,
        '-out',
        file(`${name}.pem`),
      );
    };
    await issue('intermediate', '/CN=Appel Test Intermediate CA', 'root', 'ca');
    await issue('leaf', '/CN=localhost', 'intermediate', 'leaf');
    await issue('sibling', '/CN=localhost', 'intermediate', 'leaf');
    const read = (name: string): Promise<string> => readFile(file(name), 'utf8');
    const [root, intermediate, leaf, key, siblingLeaf, siblingKey] = await Promise.all([
      read('root.pem'),
      read('intermediate.pem'),
      read('leaf.pem'),
      read('leaf.key'),
      read('sibling.pem'),
      read('sibling.key'),
    ]);
    return {
      root,
      intermediate,
      leaf,
      key,
      leafFingerprint: new X509Certificate(leaf).fingerprint256,
      intermediateFingerprint: new X509Certificate(intermediate).fingerprint256,
      sibling: {
        leaf: siblingLeaf,
        key: siblingKey,
        fingerprint: new X509Certificate(siblingLeaf).fingerprint256,
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
