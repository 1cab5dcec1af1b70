/**
 * Host from home: asks the home router to forward a TCP port to the embedded server, so guests on
 * the internet can reach it. UPnP IGD first (found with SSDP), then NAT-PMP at the default
 * gateway; the mapping is renewed before its lease ends and removed by {@link PortForwarding.close}.
 * A router that refuses, or none that answers, is an outcome in words, never an exception: hosting
 * goes on for guests on the LAN.
 *
 * Two quirks of @achingbrain/nat-port-mapper 4.0.5 are handled here: its NAT-PMP client sends
 * `ttl` as seconds while its UPnP client takes milliseconds, and each library-side refresh is
 * off, because the NAT-PMP one would then fire at once; renewal is this module's own timer.
 */
import { readFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { pmpNat, upnpNat, type Gateway, type UPnPNAT } from '@achingbrain/nat-port-mapper';
import { createLogger, type Logger } from '../signaling-server/log.js';
import type { InterfaceTable } from './network.js';

export type ForwardingMethod = 'UPnP IGD' | 'NAT-PMP';

export interface PortForwardingOptions {
  /** The local TCP port to forward to (the embedded server's). */
  internalPort: number;
  /** The label the router shows for the mapping. @default 'Appel' */
  description?: string;
  /** Lease asked for, in seconds; UPnP leases are at least 3600 (the library's floor). @default 3600 */
  leaseSeconds?: number;
  /** How long before a lease ends it is renewed, in seconds. @default 300 */
  renewBeforeSeconds?: number;
  /** How long SSDP looks for a UPnP router, in ms. @default 3000 */
  discoveryTimeoutMs?: number;
  /** How long one request to the router may take, in ms. @default 3000 */
  requestTimeoutMs?: number;
  /** The machine's interfaces, to pick the address the router forwards to. @default os.networkInterfaces */
  interfaces?: () => InterfaceTable;
  /** The default gateway's IPv4 address, where NAT-PMP asks. @default {@link linuxDefaultGateway} */
  defaultGateway?: () => Promise<string | null>;
  /** The UPnP client. @default upnpNat() */
  upnp?: () => UPnPNAT;
  /** The NAT-PMP client for a gateway. @default pmpNat(gateway) */
  pmp?: (gateway: string) => Gateway;
  /** @default createLogger('appel:port-mapping') */
  logger?: Logger;
}

export const PORT_FORWARDING_DEFAULTS = {
  description: 'Appel',
  leaseSeconds: 3600,
  renewBeforeSeconds: 300,
  discoveryTimeoutMs: 3000,
  requestTimeoutMs: 3000,
} as const satisfies Partial<PortForwardingOptions>;

/** A live forwarding: the router sends `externalAddress:externalPort` to this machine. */
export interface PortForwarding {
  ok: true;
  method: ForwardingMethod;
  /** The router's public address (its WAN address as it reports it). */
  externalAddress: string;
  externalPort: number;
  /** The LAN address the router forwards to. */
  internalAddress: string;
  internalPort: number;
  /** Stops renewing and asks the router to remove the mapping. Never rejects. */
  close(): Promise<void>;
}

/** Nothing was forwarded; `reason` says why, in words for the user. */
export interface PortForwardingFailure {
  ok: false;
  reason: string;
}

export type PortForwardingResult = PortForwarding | PortForwardingFailure;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An aborted request: `AbortSignal.timeout` fired (the library rethrows it, or an AbortError). */
function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** The default route's gateway from /proc/net/route; `null` elsewhere or without one. */
export async function linuxDefaultGateway(): Promise<string | null> {
  let table: string;
  try {
    table = await readFile('/proc/net/route', 'utf8');
  } catch {
    return null; // Not Linux: NAT-PMP is skipped and UPnP (found by SSDP) is what remains.
  }
  for (const line of table.split('\n').slice(1)) {
    const [, destination, gateway] = line.trim().split(/\s+/);
    if (destination !== '00000000' || !gateway || gateway === '00000000') continue;
    // Little-endian hex, as the kernel prints it.
    const bytes = Buffer.from(gateway, 'hex').reverse();
    return [...bytes].join('.');
  }
  return null;
}

function toNumber(address: string): number {
  return address.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
}

/**
 * The LAN address a router at `gateway` reaches this machine on: an IPv4 address in the same
 * subnet, else the first non-internal IPv4 address.
 */
export function addressTowards(gateway: string, table: InterfaceTable): string | null {
  const candidates = Object.values(table)
    .flatMap((infos) => infos ?? [])
    .filter((info) => !info.internal && info.family === 'IPv4');
  if (isIPv4(gateway)) {
    const same = candidates.find((info) => {
      const mask = toNumber(info.netmask);
      return (toNumber(info.address) & mask) === (toNumber(gateway) & mask);
    });
    if (same) return same.address;
  }
  return candidates[0]?.address ?? null;
}

/** Whether an IPv4 address cannot be reached from the internet (private, CGNAT, link-local). */
export function isNonPublicAddress(address: string): boolean {
  const [a = 0, b = 0] = address.split('.').map(Number);
  return (
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b < 128) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b < 32) ||
    (a === 192 && b === 168)
  );
}

interface Attempt {
  method: ForwardingMethod;
  gateway: Gateway;
  /** The `ttl` this client expects for `leaseSeconds` (see the module comment). */
  ttl: number;
  leaseSeconds: number;
}

/**
 * Asks the router to forward `internalPort` (TCP), the same port outside when it is free.
 * Resolves with the live forwarding, or with why there is none.
 */
export async function openPortForwarding(
  options: PortForwardingOptions,
): Promise<PortForwardingResult> {
  const settings = { ...PORT_FORWARDING_DEFAULTS, ...options };
  const log = options.logger ?? createLogger('appel:port-mapping');
  const table = (options.interfaces ?? networkInterfaces)();
  const refusals: string[] = [];

  const tryMap = async (attempt: Attempt): Promise<PortForwarding | null> => {
    const { gateway, method } = attempt;
    const internalAddress = addressTowards(gateway.host, table);
    if (!internalAddress) {
      refusals.push(`this computer has no IPv4 address on the network of ${gateway.host}`);
      await stopQuietly(gateway, settings.requestTimeoutMs, log);
      return null;
    }
    const map = () =>
      gateway.map(settings.internalPort, internalAddress, {
        protocol: 'tcp',
        externalPort: settings.internalPort,
        description: settings.description,
        ttl: attempt.ttl,
        autoRefresh: false,
        signal: AbortSignal.timeout(settings.requestTimeoutMs),
      });
    try {
      const mapping = await map();
      log.info('router forwards a port', {
        method,
        router: gateway.host,
        external: `${mapping.externalHost}:${mapping.externalPort}`,
        internal: `${internalAddress}:${settings.internalPort}`,
      });
      return live(attempt, mapping.externalHost, mapping.externalPort, internalAddress, map);
    } catch (error) {
      const why = messageOf(error);
      if (isTimeout(error)) {
        // Silence is no refusal: most likely nothing speaks this protocol there.
        log.info('no answer from the router', { method, router: gateway.host });
      } else {
        log.warn('router refused to forward a port', { method, router: gateway.host, error: why });
        refusals.push(`the router at ${gateway.host} refused ${method} (${why})`);
      }
      await stopQuietly(gateway, settings.requestTimeoutMs, log);
      return null;
    }
  };

  const live = (
    attempt: Attempt,
    externalAddress: string,
    externalPort: number,
    internalAddress: string,
    map: () => Promise<unknown>,
  ): PortForwarding => {
    const renewMs = Math.max(attempt.leaseSeconds - settings.renewBeforeSeconds, 30) * 1000;
    let timer: NodeJS.Timeout | null = null;
    let closed = false;
    const schedule = (ms: number): void => {
      timer = setTimeout(() => {
        map().then(
          () => {
            log.info('renewed the port forwarding', { method: attempt.method, externalPort });
            if (!closed) schedule(renewMs);
          },
          (error: unknown) => {
            log.warn('cannot renew the port forwarding; trying again in a minute', {
              method: attempt.method,
              error: messageOf(error),
            });
            if (!closed) schedule(60_000);
          },
        );
      }, ms);
      timer.unref();
    };
    schedule(renewMs);
    return {
      ok: true,
      method: attempt.method,
      externalAddress,
      externalPort,
      internalAddress,
      internalPort: settings.internalPort,
      async close() {
        if (closed) return;
        closed = true;
        if (timer) clearTimeout(timer);
        if (attempt.method === 'UPnP IGD' && externalPort !== settings.internalPort) {
          // The library deletes by the internal port number; this mapping's lease ends it instead.
          log.warn('the router keeps this forwarding until its lease ends', { externalPort });
        }
        try {
          await attempt.gateway.unmap(settings.internalPort, {
            signal: AbortSignal.timeout(settings.requestTimeoutMs),
          });
          log.info('removed the port forwarding', { method: attempt.method, externalPort });
        } catch (error) {
          log.warn('cannot remove the port forwarding; it ends with its lease', {
            error: messageOf(error),
          });
        }
        await stopQuietly(attempt.gateway, settings.requestTimeoutMs, log);
      },
    };
  };

  // UPnP IGD: the first gateway SSDP finds.
  const upnp = (options.upnp ?? (() => upnpNat({ autoRefresh: false })))();
  let found: Gateway | null = null;
  try {
    const search = upnp.findGateways({ signal: AbortSignal.timeout(settings.discoveryTimeoutMs) });
    for await (const gateway of search) {
      if (gateway.family !== 'IPv4') continue;
      found = gateway;
      break;
    }
  } catch (error) {
    log.warn('UPnP discovery failed', { error: messageOf(error) });
  }
  if (found) {
    const upnpLease = Math.max(settings.leaseSeconds, 3600);
    const mapped = await tryMap({
      method: 'UPnP IGD',
      gateway: found,
      ttl: upnpLease * 1000,
      leaseSeconds: upnpLease,
    });
    if (mapped) return mapped;
  }

  // NAT-PMP at the default gateway.
  const gatewayAddress = await (options.defaultGateway ?? linuxDefaultGateway)();
  if (gatewayAddress) {
    const pmp = (options.pmp ?? ((address: string) => pmpNat(address, { autoRefresh: false })))(
      gatewayAddress,
    );
    const mapped = await tryMap({
      method: 'NAT-PMP',
      gateway: pmp,
      ttl: settings.leaseSeconds,
      leaseSeconds: settings.leaseSeconds,
    });
    if (mapped) return mapped;
  }

  if (refusals.length > 0) return { ok: false, reason: `${capitalize(refusals.join('; '))}.` };
  return {
    ok: false,
    reason: 'No router on your network answered UPnP or NAT-PMP (it may have them turned off).',
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

async function stopQuietly(gateway: Gateway, timeoutMs: number, log: Logger): Promise<void> {
  try {
    await gateway.stop({ signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    log.warn('cannot close the router client', { error: messageOf(error) });
  }
}

/** What the page says about a forwarding, plainly: what is open to whom, or why nothing is. */
export function forwardingMessage(result: PortForwardingResult, publicUrl?: string): string {
  if (!result.ok) {
    return (
      `Guests on the internet cannot reach you: ${result.reason} ` +
      'Guests on your own network can still join with the invite.'
    );
  }
  const words =
    `Your router now forwards port ${result.externalPort} to this computer (${result.method}), ` +
    `so anyone with the invite can join from the internet at ${publicUrl ?? result.externalAddress}. ` +
    'The port closes again when you leave.';
  if (!isNonPublicAddress(result.externalAddress)) return words;
  return (
    `${words} Your router's own internet address, ${result.externalAddress}, is not a public ` +
    'one: another router or your provider stands in front of it, so guests outside may still ' +
    'not get through.'
  );
}
