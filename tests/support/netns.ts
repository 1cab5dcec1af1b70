/**
 * Real NATs for tests: network namespaces, veth pairs and nftables, built inside the private
 * network namespace `scripts/private-net.sh` gives the tests, and torn down after them.
 *
 * The picture, one topology per call of {@link createTopology}:
 * ```
 *   test process ──veth── ┐
 *                         ├─ bridge in "public" (the internet: 100.64.<k>.1 and .2, services)
 *   router "a" wan ─veth──┤        router "a": masquerade (nftables) ──veth── home "a" 10.77.1.2
 *   router "b" wan ─veth──┘        router "b": …                      ──veth── home "b" 10.77.2.2
 * ```
 * Each namespace is held by a small `unshare -n` process of its own rather than named with
 * `ip netns add`: a named namespace is a bind mount in /run/netns on the machine's mount table,
 * which `unshare -n` does not isolate; a held one leaves nothing behind. Commands enter it with
 * `nsenter --net=/proc/<pid>/ns/net`. A holder exits when its stdin closes, so even a test process
 * that dies leaves no namespace (and so no veth) behind.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * How a home's router translates and filters.
 * - `endpoint-independent`: nftables `masquerade`; Linux keeps the source port, so one inside
 *   socket keeps one public mapping whatever the destination (RFC 4787 EIM); inbound filtering is
 *   conntrack's, address-and-port dependent.
 * - `symmetric`: `masquerade fully-random`: every new destination gets a fresh random port.
 * - `udp-blocked`: endpoint-independent for TCP; every forwarded UDP packet is dropped.
 */
export type NatKind = 'endpoint-independent' | 'symmetric' | 'udp-blocked';

/** One network namespace, held open by a process of the test's own. */
export interface Namespace {
  /** What the namespace stands for, for messages (`public`, `router-a`, `home-a`). */
  name: string;
  /** The holder's pid: the namespace is /proc/<pid>/ns/net. */
  pid: number;
  /** The command prefix that runs a program inside: `nsenter --net=/proc/<pid>/ns/net`. */
  prefix: string[];
  /** Runs a command inside and resolves with its stdout; rejects with its stderr. */
  run(command: string[], input?: string): Promise<string>;
}

export interface SiteOptions {
  /** Names the site's namespaces and its Chromium wrapper. */
  name: string;
  nat: NatKind;
}

/** A home behind its own NAT router. */
export interface Site {
  name: string;
  nat: NatKind;
  home: Namespace;
  router: Namespace;
  /** The home machine's private address (10.77.<i>.2). */
  homeAddress: string;
  /** The router's address on the internet, which the NAT maps home traffic to. */
  publicAddress: string;
  /** The nftables ruleset loaded on the router. */
  ruleset: string;
  /**
   * An executable that runs `executable` with its arguments inside the home namespace, for
   * Playwright's `executablePath` (it drives Chromium over a pipe, which crosses namespaces).
   */
  wrapper(executable: string): Promise<string>;
  /**
   * Sends one datagram from one home socket to each target in turn and returns the source each
   * target saw (`address:port`): one mapping for all under endpoint-independent mapping, one per
   * target under a symmetric NAT. Every target must be an {@link Topology.startEcho} responder.
   */
  mappings(targets: readonly Endpoint[]): Promise<string[]>;
}

export interface Endpoint {
  address: string;
  port: number;
}

export interface Topology {
  /** The internet: services listen here. */
  public: Namespace;
  /** Addresses on the internet that services can bind (two, for probing mappings). */
  publicAddresses: [string, string];
  /** The test process's own address on the internet (it can reach the services directly). */
  testAddress: string;
  sites: Site[];
  /** The site named `name`; throws when there is none. */
  site(name: string): Site;
  /** A UDP responder on the internet that answers each datagram with its source `address:port`. */
  startEcho(address: string): Promise<Endpoint>;
  /** Stops everything started here and removes every namespace, veth and temp file. */
  close(): Promise<void>;
}

export interface TopologyOptions {
  sites: SiteOptions[];
}

/** Runs `command` and resolves with its stdout; rejects with a message holding its stderr. */
function run(command: string[], input?: string): Promise<string> {
  const [file, ...args] = command as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      // The test runner's loader hooks are not for the small scripts run here.
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else {
        const status = signal ?? `code ${code}`;
        reject(new Error(`\`${command.join(' ')}\` failed (${status}): ${stderr.trim()}`));
      }
    });
    if (input !== undefined) {
      // A command that exits without reading says why in its exit status, not in EPIPE.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(input);
    }
  });
}

/** Why topologies cannot be built here, or `null`: needs root (CAP_NET_ADMIN) and the tools. */
export async function netnsUnavailable(): Promise<string | null> {
  if (process.env.APPEL_PRIVATE_NET !== '1') {
    return 'not inside scripts/private-net.sh: NAT topologies are only built in a private namespace';
  }
  if (process.getuid?.() !== 0) return 'building NAT topologies needs root (CAP_NET_ADMIN)';
  for (const tool of [
    ['nft', '--version'],
    ['nsenter', '--version'],
    ['ip', '-V'],
  ]) {
    try {
      await run(tool);
    } catch (error) {
      return `${tool[0]} is not usable: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return null;
}

interface Held extends Namespace {
  release(): Promise<void>;
}

/** A fresh network namespace with `lo` up, held by `unshare -n` until released. */
async function holdNamespace(name: string): Promise<Held> {
  const child: ChildProcessWithoutNullStreams = spawn(
    'unshare',
    ['-n', 'sh', '-c', 'ip link set lo up && echo ready && exec cat >/dev/null'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child.stdin.on('error', () => undefined); // Gone already: release() waits for its exit.
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').once('data', () => resolve());
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`namespace ${name}: unshare exited (code ${code}): ${stderr.trim()}`)),
    );
  });
  const pid = child.pid!;
  const prefix = ['nsenter', `--net=/proc/${pid}/ns/net`];
  return {
    name,
    pid,
    prefix,
    run: (command, input) => run([...prefix, ...command], input),
    async release() {
      // EOF on stdin ends `cat`: the namespace goes once the last process in it has exited.
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The router's nftables ruleset for a kind of NAT; `wan` is the internet side.
 *
 * Every router drops unsolicited packets from the internet in `input`, as home routers do. That
 * also keeps Linux's NAT endpoint-independent during hole punching: a peer's check that arrives
 * before our own first packet to it would otherwise leave a conntrack entry whose reply tuple is
 * our mapping, and our own packet to that peer would then be moved to another port. Dropped in
 * `input`, the packet's entry is never confirmed, so the mapping stays the same.
 */
export function natRuleset(nat: NatKind): string {
  const masquerade = nat === 'symmetric' ? 'masquerade fully-random' : 'masquerade';
  const dropUdp = nat === 'udp-blocked' ? '\n    meta l4proto udp drop' : '';
  return `table ip appel_nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" ${masquerade}
  }
}
table inet appel_filter {
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "wan" ct state new drop
  }
  chain forward {
    type filter hook forward priority filter; policy accept;${dropUdp}
    iifname "wan" ct state new drop
  }
}
`;
}

/** Sends a datagram from one socket to each target (argv), printing each reply on a line. */
const MAPPING_PROBE = `
const dgram = require('node:dgram');
const targets = JSON.parse(process.argv[1]);
const socket = dgram.createSocket('udp4');
const seen = [];
const timer = setTimeout(() => { console.error('no reply from', targets[seen.length]); process.exit(1); }, 3000);
const next = () => socket.send('probe', targets[seen.length].port, targets[seen.length].address);
socket.on('message', (message) => {
  seen.push(message.toString());
  if (seen.length === targets.length) { clearTimeout(timer); console.log('seen=' + JSON.stringify(seen)); socket.close(); }
  else next();
});
socket.bind(0, next);
`;

/** Answers each datagram with its source, `address:port`. */
const ECHO = `
const dgram = require('node:dgram');
const socket = dgram.createSocket('udp4');
socket.on('message', (_, from) => socket.send(from.address + ':' + from.port, from.port, from.address));
socket.bind(0, process.argv[1], () => console.log('port=' + socket.address().port));
`;

let topologies = 0;

/**
 * Builds the internet, one NAT router and one home per site, and a link from the test process to
 * the internet. Anything built is removed again when a step fails.
 */
export async function createTopology(options: TopologyOptions): Promise<Topology> {
  topologies += 1;
  // One /24 of 100.64.0.0/10 per topology, reused after 250 (long closed by then).
  const k = ((topologies - 1) % 250) + 1;
  if (options.sites.length > 200) throw new RangeError('at most 200 sites');
  const net = `100.64.${k}`;
  const publicAddresses: [string, string] = [`${net}.1`, `${net}.2`];
  const testAddress = `${net}.254`;
  // Interface names live in the test's namespace too: unique per process and topology, ≤ 15.
  const testLink = `apl${process.pid % 100_000}t${topologies % 1000}`;
  const held: Held[] = [];
  const children: ChildProcessWithoutNullStreams[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'appel-netns-'));

  const close = async (): Promise<void> => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    }
    await run(['ip', 'link', 'del', testLink]).catch(() => undefined); // absent: nothing to do
    await Promise.all(held.splice(0).map((ns) => ns.release()));
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const pub = await holdNamespace('public');
    held.push(pub);
    await pub.run(['ip', 'link', 'add', 'inet0', 'type', 'bridge']);
    for (const address of publicAddresses) {
      await pub.run(['ip', 'addr', 'add', `${address}/24`, 'dev', 'inet0']);
    }
    await pub.run(['ip', 'link', 'set', 'inet0', 'up']);
    // The rest of the internet: what is not on the bridge (a home's private address, say) goes
    // to a gateway that drops it, as upstream routers do, and no sender sees an error. The gateway
    // is the far end of a veth with no address, its MAC address known so nothing waits for ARP.
    const gateway = `${net}.250`;
    await pub.run(['ip', 'link', 'add', 'void', 'type', 'veth', 'peer', 'name', 'void-far']);
    await pub.run(['ip', 'link', 'set', 'void-far', 'up']);
    await pub.run(['ip', 'link', 'set', 'void', 'up']);
    await pub.run(['ip', 'neigh', 'add', gateway, 'lladdr', '02:00:00:00:00:fa', 'dev', 'void']);
    await pub.run(['ip', 'route', 'add', 'default', 'via', gateway, 'dev', 'void', 'onlink']);

    // The test process's own cable to the internet, to reach and probe the services.
    await run([
      ...['ip', 'link', 'add', testLink, 'type', 'veth'],
      ...['peer', 'name', 'test', 'netns', String(pub.pid)],
    ]);
    await pub.run(['ip', 'link', 'set', 'test', 'master', 'inet0', 'up']);
    await run(['ip', 'addr', 'add', `${testAddress}/24`, 'dev', testLink]);
    await run(['ip', 'link', 'set', testLink, 'up']);

    const sites: Site[] = [];
    for (const [index, { name, nat }] of options.sites.entries()) {
      const i = index + 1;
      const router = await holdNamespace(`router-${name}`);
      held.push(router);
      const home = await holdNamespace(`home-${name}`);
      held.push(home);
      const publicAddress = `${net}.${10 + i}`;
      const homeAddress = `10.77.${i}.2`;

      await router.run([
        ...['ip', 'link', 'add', 'wan', 'type', 'veth'],
        ...['peer', 'name', `site${i}`, 'netns', String(pub.pid)],
      ]);
      await pub.run(['ip', 'link', 'set', `site${i}`, 'master', 'inet0', 'up']);
      await router.run(['ip', 'addr', 'add', `${publicAddress}/24`, 'dev', 'wan']);
      await router.run(['ip', 'link', 'set', 'wan', 'up']);

      await router.run([
        ...['ip', 'link', 'add', 'lan', 'type', 'veth'],
        ...['peer', 'name', 'eth0', 'netns', String(home.pid)],
      ]);
      await router.run(['ip', 'addr', 'add', `10.77.${i}.1/24`, 'dev', 'lan']);
      await router.run(['ip', 'link', 'set', 'lan', 'up']);
      await home.run(['ip', 'addr', 'add', `${homeAddress}/24`, 'dev', 'eth0']);
      await home.run(['ip', 'link', 'set', 'eth0', 'up']);
      await home.run(['ip', 'route', 'add', 'default', 'via', `10.77.${i}.1`]);

      // /proc/sys/net is per namespace: this turns forwarding on for the router only.
      await router.run(['sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
      const ruleset = natRuleset(nat);
      await router.run(['nft', '-f', '-'], ruleset);

      sites.push({
        name,
        nat,
        home,
        router,
        homeAddress,
        publicAddress,
        ruleset,
        async wrapper(executable) {
          const path = join(dir, `chromium-${name}`);
          const quoted = [...home.prefix, executable].map((word) => `'${word}'`).join(' ');
          await writeFile(path, `#!/bin/sh\nexec ${quoted} "$@"\n`);
          await chmod(path, 0o755);
          return path;
        },
        async mappings(targets) {
          const script = [process.execPath, '-e', MAPPING_PROBE, JSON.stringify(targets)];
          const seen = /^seen=(.*)$/m.exec(await home.run(script))?.[1];
          if (!seen) throw new Error(`no mappings from ${home.name}`);
          return JSON.parse(seen) as string[];
        },
      });
    }

    return {
      public: pub,
      publicAddresses,
      testAddress,
      sites,
      site(name) {
        const found = sites.find((site) => site.name === name);
        if (!found) throw new Error(`no site "${name}" in this topology`);
        return found;
      },
      async startEcho(address) {
        const [file, ...args] = [...pub.prefix, process.execPath, '-e', ECHO, address];
        const child = spawn(file, args, {
          stdio: 'pipe',
          env: { ...process.env, NODE_OPTIONS: '' },
        });
        children.push(child);
        const port = await new Promise<number>((resolve, reject) => {
          let stdout = '';
          child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
            stdout += chunk;
            const port = /port=(\d+)/.exec(stdout)?.[1];
            if (port) resolve(Number(port));
          });
          child.once('error', reject);
          child.once('exit', (code) => reject(new Error(`echo on ${address} exited (${code})`)));
        });
        return { address, port };
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
