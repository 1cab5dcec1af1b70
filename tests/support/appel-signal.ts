/**
 * Starts the real `appel-signal` CLI (bin/appel-signal.js → dist/server/signaling-server/cli.js)
 * as a child process on 127.0.0.1 and a free port, for tests and benchmarks that need a server
 * from the outside.
 */
import { spawn } from 'node:child_process';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from this file's place in tests/support/. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The CLI entry point the tests spawn. */
export const appelSignalBin = join(repoRoot, 'bin', 'appel-signal.js');

/** The one line the CLI prints on stdout once it listens. */
export const LISTENING_LINE =
  /^Appel signaling server listening on (https:\/\/\S+) \(certificate SHA-256 ([0-9A-F:]{95})\)$/;

export interface StartAppelSignalOptions {
  /** Where the certificate is generated/kept. Default: a fresh temporary directory, removed on stop. */
  dataDir?: string;
  /** Extra CLI arguments, appended after `--host 127.0.0.1 --port 0 --data-dir <dir>`. */
  args?: string[];
  /** Extra environment variables for the child (merged over this process's environment). */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the listening line. @default 20000 */
  startTimeoutMs?: number;
  /** The address to listen on (`--host`). @default '127.0.0.1' */
  host?: string;
  /**
   * A command prefix the server runs under, such as `nsenter --net=…` to run it in another
   * network namespace (see netns.ts). @default none
   */
  wrap?: string[];
}

export interface AppelSignal {
  /** `https://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** SHA-256 fingerprint the server printed, `AB:CD:…` */
  fingerprint: string;
  /** The PEM of the certificate the server presents (read from `--cert` or `<dataDir>/cert.pem`). */
  certPem: string;
  dataDir: string;
  /** SIGTERM, wait for exit (SIGKILL after 5 s), remove the temporary data dir if we made it. */
  stop(): Promise<void>;
}

function flagValue(args: readonly string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  if (index >= 0) return args[index + 1];
  const inline = args.find((arg) => arg.startsWith(`${flag}=`));
  return inline?.slice(flag.length + 1);
}

/**
 * Spawns `node bin/appel-signal.js --host 127.0.0.1 --port 0 --data-dir <dir>` (the host and a
 * command prefix are options) and resolves once it
 * printed its listening line. Rejects with the child's stderr if it exits or times out first.
 */
export async function startAppelSignal(
  options: StartAppelSignalOptions = {},
): Promise<AppelSignal> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'appel-signal-')));
  const extraArgs = options.args ?? [];
  const host = options.host ?? '127.0.0.1';
  const [file, ...prefixArgs] = [...(options.wrap ?? []), process.execPath];
  const child = spawn(
    file,
    [
      ...prefixArgs,
      ...[appelSignalBin, '--host', host, '--port', '0', '--data-dir', dataDir, ...extraArgs],
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, APPEL_LOG: 'silent', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });

  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

  const cleanupDir = async (): Promise<void> => {
    if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
  };

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await cleanupDir();
  };

  const timeoutMs = options.startTimeoutMs ?? 20_000;
  let match: RegExpExecArray | null;
  try {
    match = await new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`appel-signal did not start within ${timeoutMs} ms: ${stderr.trim()}`));
      }, timeoutMs);
      const onData = (chunk: string): void => {
        stdout += chunk;
        const line = stdout.split('\n').find((l) => LISTENING_LINE.test(l));
        const found = line === undefined ? null : LISTENING_LINE.exec(line);
        if (found) {
          clearTimeout(timer);
          child.stdout.off('data', onData);
          resolve(found);
        }
      };
      child.stdout.on('data', onData);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(
          new Error(
            `appel-signal exited (${signal ?? `code ${code}`}) before listening: ` +
              (stderr.trim() || stdout.trim() || '(no output)'),
          ),
        );
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  child.stdout.resume();

  const url = match[1] as string;
  const fingerprint = match[2] as string;
  const certPath =
    flagValue(extraArgs, '--cert') ?? options.env?.APPEL_CERT ?? join(dataDir, 'cert.pem');
  let certPem: string;
  try {
    certPem = await readFile(certPath, 'utf8');
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port: Number(new URL(url).port), fingerprint, certPem, dataDir, stop };
}
