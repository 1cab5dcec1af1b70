/**
 * A home router that forwards ports on request: Debian's `miniupnpd` (nftables backend) on the
 * router of a {@link createTopology} site, speaking UPnP IGD and NAT-PMP on the home LAN.
 *
 * The router's WAN address is in 100.64.0.0/10, which miniupnpd (rightly) calls reserved and
 * refuses to map on, as it would behind a provider's NAT. So the internet runs a small STUN
 * responder and miniupnpd asks it (`ext_perform_stun`): it answers all four of miniupnpd's probes
 * from the same address with the router's own address and ports, which is what a router directly
 * on the internet sees, and miniupnpd then maps with that address as the public one.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Namespace, Site, Topology } from './netns.js';

/** Where Debian installs miniupnpd; `APPEL_MINIUPNPD` overrides it. */
export function miniupnpdExecutable(): string | null {
  const path = process.env.APPEL_MINIUPNPD ?? '/usr/sbin/miniupnpd';
  return existsSync(path) ? path : null;
}

/**
 * The router's ruleset with the chains miniupnpd 2.3's nftables backend fills: `miniupnpd`
 * (forward accepts), `prerouting_miniupnpd` (DNAT), `postrouting_miniupnpd`, all in `inet filter`,
 * its defaults. Home traffic is masqueraded out; nothing new comes in unless miniupnpd lets it.
 */
export const UPNP_ROUTER_RULESET = `flush ruleset
table inet filter {
  chain miniupnpd {
  }
  chain prerouting_miniupnpd {
  }
  chain postrouting_miniupnpd {
  }
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "wan" ct state new drop
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "lan" oifname "wan" accept
    jump miniupnpd
  }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    jump prerouting_miniupnpd
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    jump postrouting_miniupnpd
    oifname "wan" masquerade
  }
}
`;

export interface MiniupnpdOptions {
  /** @default true */
  upnp?: boolean;
  /** @default true */
  natpmp?: boolean;
}

/** The configuration file the test router runs with. */
export function miniupnpdConfig(options: {
  stunHost: string;
  stunPort: number;
  homeNetwork: string;
  leaseFile: string;
  upnp: boolean;
  natpmp: boolean;
}): string {
  const yes = (on: boolean): string => (on ? 'yes' : 'no');
  return [
    'ext_ifname=wan',
    'listening_ip=lan',
    'port=5000',
    `enable_upnp=${yes(options.upnp)}`,
    `enable_natpmp=${yes(options.natpmp)}`,
    // The WAN address is reserved space: learn the public one as a router behind CGNAT would.
    'ext_perform_stun=yes',
    `ext_stun_host=${options.stunHost}`,
    `ext_stun_port=${options.stunPort}`,
    // A client may map only to its own address, and only ports 1024 and up, from the home LAN.
    'secure_mode=yes',
    'system_uptime=yes',
    `lease_file=${options.leaseFile}`,
    'uuid=8f1d6a52-3d7e-4c1b-9a0e-6a7e5f0c0a77',
    `allow 1024-65535 ${options.homeNetwork} 1024-65535`,
    'deny 0-65535 0.0.0.0/0 0-65535',
    '',
  ].join('\n');
}

/** Answers every STUN Binding request with XOR-MAPPED-ADDRESS, from the port it came to. */
const STUN_RESPONDER = `
const dgram = require('node:dgram');
const socket = dgram.createSocket('udp4');
socket.on('message', (request, from) => {
  if (request.length < 20 || request.readUInt16BE(0) !== 0x0001) return;
  const response = Buffer.alloc(32);
  response.writeUInt16BE(0x0101, 0);
  response.writeUInt16BE(12, 2);
  request.copy(response, 4, 4, 20);
  response.writeUInt16BE(0x0020, 20);
  response.writeUInt16BE(8, 22);
  response.writeUInt16BE(0x0001, 24);
  response.writeUInt16BE(from.port ^ 0x2112, 26);
  const cookie = [0x21, 0x12, 0xa4, 0x42];
  from.address.split('.').forEach((part, i) => response.writeUInt8(Number(part) ^ cookie[i], 28 + i));
  socket.send(response, from.port, from.address);
});
socket.bind(0, process.argv[1], () => console.log('port=' + socket.address().port));
`;

export interface HomeRouter {
  site: Site;
  /** The router's address on the internet: the public address miniupnpd reports. */
  publicAddress: string;
  /** `nft list ruleset` in the router. */
  ruleset(): Promise<string>;
  /** What miniupnpd logged so far. */
  log(): string;
  /** Stops miniupnpd and the STUN responder; the topology's own close removes the rest. */
  stop(): Promise<void>;
}

/** Spawns `command` in `ns`; resolves once `ready` matches its stdout, with the match. */
async function startIn(
  ns: Namespace,
  command: string[],
  ready: RegExp,
  output: { text: string },
): Promise<{ child: ChildProcessWithoutNullStreams; match: RegExpExecArray }> {
  const [file, ...args] = [...ns.prefix, ...command] as [string, ...string[]];
  const child = spawn(file, args, { stdio: 'pipe', env: { ...process.env, NODE_OPTIONS: '' } });
  const append = (chunk: string): void => {
    output.text = (output.text + chunk).slice(-100_000);
  };
  child.stderr.setEncoding('utf8').on('data', append);
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command[0]} in ${ns.name}: not ready in 10 s:\n${output.text}`)),
      10_000,
    );
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      append(chunk);
      const found = ready.exec(output.text);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.stderr.on('data', () => {
      const found = ready.exec(output.text);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command[0]} in ${ns.name} exited (${code}):\n${output.text}`));
    });
  });
  return { child, match };
}

async function stopChild(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * Turns `site`'s router into a UPnP/NAT-PMP router: the miniupnpd ruleset, a STUN responder on
 * the internet at `topology.publicAddresses[1]`, and miniupnpd listening on the home LAN.
 */
export async function startHomeRouter(
  topology: Topology,
  site: Site,
  options: MiniupnpdOptions = {},
): Promise<HomeRouter> {
  const executable = miniupnpdExecutable();
  if (!executable) throw new Error('miniupnpd is not installed: `apt-get install miniupnpd`');
  const dir = await mkdtemp(join(tmpdir(), 'appel-router-'));
  const children: ChildProcessWithoutNullStreams[] = [];
  const stunOutput = { text: '' };
  const routerOutput = { text: '' };
  const stop = async (): Promise<void> => {
    await Promise.all(children.splice(0).map(stopChild));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await site.router.run(['nft', '-f', '-'], UPNP_ROUTER_RULESET);
    const stunHost = topology.publicAddresses[1];
    const stun = await startIn(
      topology.public,
      [process.execPath, '-e', STUN_RESPONDER, stunHost],
      /port=(\d+)/,
      stunOutput,
    );
    children.push(stun.child);
    const config = join(dir, 'miniupnpd.conf');
    const homeNetwork = `${site.homeAddress.split('.').slice(0, 3).join('.')}.0/24`;
    await writeFile(
      config,
      miniupnpdConfig({
        stunHost,
        stunPort: Number(stun.match[1]),
        homeNetwork,
        leaseFile: join(dir, 'upnp.leases'),
        upnp: options.upnp ?? true,
        natpmp: options.natpmp ?? true,
      }),
    );
    const router = await startIn(
      site.router,
      [executable, '-f', config, '-d', '-P', join(dir, 'miniupnpd.pid')],
      // Its last line at startup: NAT-PMP listens, or (without it) UPnP's HTTP does.
      options.natpmp === false ? /HTTP listening on port/ : /Listening for NAT-PMP\/PCP traffic/,
      routerOutput,
    );
    children.push(router.child);
    if (!routerOutput.text.includes('Port forwarding is now enabled')) {
      throw new Error(`miniupnpd did not enable port forwarding:\n${routerOutput.text}`);
    }
    return {
      site,
      publicAddress: site.publicAddress,
      ruleset: () => site.router.run(['nft', 'list', 'ruleset']),
      log: () => routerOutput.text,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
