/**
 * `appel-signal`: the signaling server on its own, for a VPS or a LAN machine (flags and
 * environment in cli-options.ts). Prints exactly one line on stdout once it listens (URL and
 * certificate fingerprint); everything else goes to stderr.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_STATIC_DIR,
  parseCli,
  helpText,
  type CliCommand,
  type CliConfig,
  type Env,
} from './cli-options.js';
import { configureLogging, createLogger } from './log.js';
import { createSignalingServer, type ShutdownOptions } from './server.js';
import { loadOrCreateCertificate } from './tls.js';

export {
  DEFAULT_STATIC_DIR,
  defaultDataDir,
  helpText,
  parseCli,
  UsageError,
  type CliCommand,
  type CliConfig,
} from './cli-options.js';

/** The version in the repository's package.json, three levels above dist/server/signaling-server/. */
function packageVersion(): string {
  const file = fileURLToPath(new URL('../../../package.json', import.meta.url));
  if (!existsSync(file)) return 'unknown';
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/** Starts the server from a parsed config; resolves with a stop function once it listens. */
export async function serve(
  config: CliConfig,
): Promise<(options?: ShutdownOptions) => Promise<void>> {
  const logger = createLogger('appel:cli');
  const tls = await loadOrCreateCertificate({
    dataDir: config.dataDir,
    ...(config.certFile !== undefined && { certFile: config.certFile }),
    ...(config.keyFile !== undefined && { keyFile: config.keyFile }),
  });
  logger.info(tls.generated ? 'generated certificate' : 'loaded certificate', {
    certFile: tls.certPath,
    keyFile: tls.keyPath,
  });
  if (config.staticDir === undefined) {
    logger.warn('no call page to serve', { expected: DEFAULT_STATIC_DIR, fix: 'npm run build' });
  }
  const server = await createSignalingServer({
    host: config.host,
    port: config.port,
    tls: { cert: tls.cert, key: tls.key },
    ...(config.staticDir !== undefined && { staticDir: config.staticDir }),
    limits: config.limits,
    defaultRoom: config.defaultRoom,
    openRooms: config.openRooms,
    allowedOrigins: config.allowedOrigins,
    ...(config.accessKey !== undefined && { accessKey: config.accessKey }),
    ...(config.redis !== undefined && { redis: config.redis }),
    ...(config.turn !== undefined && { turn: config.turn }),
    stunUrls: config.stunUrls,
    ...(config.metricsToken !== undefined && { metricsToken: config.metricsToken }),
  });

  process.stdout.write(
    `Appel signaling server listening on ${server.url} (certificate SHA-256 ${server.fingerprint})\n`,
  );
  return (options) => server.close(options);
}

function fail(message: string, exitCode: number): void {
  process.stderr.write(`appel-signal: ${message}\n`);
  process.exitCode = exitCode;
}

/** The `appel-signal` command: parse, serve, stop cleanly on SIGINT/SIGTERM. */
export async function main(
  argv: readonly string[] = process.argv.slice(2),
  env: Env = process.env,
): Promise<void> {
  let command: CliCommand;
  try {
    command = parseCli(argv, env);
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)} (see --help)`, 2);
    return;
  }
  if (command.kind === 'help') {
    process.stdout.write(helpText());
    return;
  }
  if (command.kind === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }

  const { logLevel, logFormat, shutdownTimeoutMs } = command.config;
  configureLogging({ level: logLevel, format: logFormat });
  let stop: Awaited<ReturnType<typeof serve>>;
  try {
    stop = await serve(command.config);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error), 1);
    return;
  }
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      fail(`${signal} again: exiting without waiting`, 1);
      process.exit();
    }
    stopping = true;
    // The process is gone within the bound whatever happens; clients get most of it to leave.
    setTimeout(() => {
      fail(`did not stop within ${shutdownTimeoutMs / 1000} s: exiting`, 1);
      process.exit();
    }, shutdownTimeoutMs).unref();
    stop({ timeoutMs: Math.max(shutdownTimeoutMs - 1000, shutdownTimeoutMs / 2) }).then(
      () => process.exit(0),
      (error: unknown) => {
        fail(`shutdown failed: ${String(error)}`, 1);
        process.exit();
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
