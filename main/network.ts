/** The addresses a host's invite lists: LAN addresses first, loopback last. */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { isIP } from 'node:net';

export type InterfaceTable = NodeJS.Dict<NetworkInterfaceInfo[]>;

const WILDCARDS: ReadonlySet<string> = new Set(['0.0.0.0', '::', '']);

function hostForUrl(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}

/**
 * `https://` URLs a server bound to `bindHost:port` answers on. A wildcard bind lists every
 * non-internal IPv4 address (IPv6 too when bound to `::`), then `127.0.0.1`; a specific address
 * lists only itself.
 */
export function serverUrls(
  bindHost: string,
  port: number,
  interfaces: InterfaceTable = networkInterfaces(),
): string[] {
  if (!WILDCARDS.has(bindHost)) return [`https://${hostForUrl(bindHost)}:${port}`];
  const lan: string[] = [];
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      if (info.internal) continue;
      if (info.family === 'IPv4') lan.push(info.address);
      // Link-local IPv6 addresses need a zone id, which URLs cannot carry portably.
      else if (bindHost === '::' && !info.address.toLowerCase().startsWith('fe80')) {
        lan.push(info.address);
      }
    }
  }
  const unique = [...new Set(lan)];
  return [...unique, '127.0.0.1'].map((address) => `https://${hostForUrl(address)}:${port}`);
}

/** Where a host's own client connects: loopback for a wildcard bind, else the bound address. */
export function localServerUrl(bindHost: string, port: number): string {
  if (WILDCARDS.has(bindHost))
    return `https://${bindHost === '::' ? '[::1]' : '127.0.0.1'}:${port}`;
  return `https://${hostForUrl(bindHost)}:${port}`;
}
