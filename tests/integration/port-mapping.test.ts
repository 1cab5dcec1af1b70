/**
 * Host from home: main/port-mapping.ts against stand-in routers (which protocol is tried, what is
 * asked for, renewal, removal, refusals in words), then the real thing: the host app in a home
 * namespace behind Debian's miniupnpd (UPnP IGD, then NAT-PMP alone), a guest on the internet
 * joining through the forwarded port with the invite, the forwarding gone after Leave, and a
 * router without UPnP or NAT-PMP giving a plain notice while hosting goes on.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Gateway, MapPortOptions, PortMapping, UPnPNAT } from '@achingbrain/nat-port-mapper';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SessionInfo } from '../../common/bridge-api.js';
import { parseInvite } from '../../common/invite.js';
import type { InterfaceTable } from '../../main/network.js';
import {
  addressTowards,
  forwardingMessage,
  isNonPublicAddress,
  openPortForwarding,
  type PortForwardingOptions,
} from '../../main/port-mapping.js';
import { readPeerCertificate } from '../../main/pinned-client.js';
import { SessionController } from '../../main/session.js';
import { silentLogger } from '../../signaling-server/log.js';
import { createCleanups } from '../support/cleanups.js';
import { miniupnpdExecutable, startHomeRouter, type HomeRouter } from '../support/home-router.js';
import { createTopology, netnsUnavailable, type Site, type Topology } from '../support/netns.js';

const cleanups = createCleanups();
afterEach(() => cleanups.run());

const LAN: InterfaceTable = {
  lo: [
    {
      address: '127.0.0.1',
      netmask: '255.0.0.0',
      family: 'IPv4',
      mac: '00:00:00:00:00:00',
      internal: true,
      cidr: '127.0.0.1/8',
    },
  ],
  docker0: [
    {
      address: '172.17.0.1',
      netmask: '255.255.0.0',
      family: 'IPv4',
      mac: '02:42:00:00:00:01',
      internal: false,
      cidr: '172.17.0.1/16',
    },
  ],
  wlan0: [
    {
      address: '192.168.1.23',
      netmask: '255.255.255.0',
      family: 'IPv4',
      mac: '02:00:00:00:00:23',
      internal: false,
      cidr: '192.168.1.23/24',
    },
  ],
};

interface MapCall {
  internalPort: number;
  internalHost: string;
  options: MapPortOptions | undefined;
}

/** A router client that records what it is asked and answers as told. */
class FakeGateway implements Gateway {
  readonly id: string;
  readonly port = 5000;
  readonly family = 'IPv4' as const;
  readonly maps: MapCall[] = [];
  readonly unmaps: number[] = [];
  stopped = 0;
  constructor(
    readonly host: string,
    private readonly answer: (call: MapCall) => Promise<PortMapping>,
  ) {
    this.id = `fake:${host}`;
  }
  map(internalPort: number, internalHost: string, options?: MapPortOptions): Promise<PortMapping> {
    const call = { internalPort, internalHost, options };
    this.maps.push(call);
    return this.answer(call);
  }
  // eslint-disable-next-line require-yield -- the interface's shape; never used here
  async *mapAll(): AsyncGenerator<PortMapping, void, unknown> {
    await Promise.resolve();
    throw new Error('not used');
  }
  unmap(internalPort: number): Promise<void> {
    this.unmaps.push(internalPort);
    return Promise.resolve();
  }
  externalIp(): Promise<string> {
    return Promise.resolve('203.0.113.7');
  }
  stop(): Promise<void> {
    this.stopped += 1;
    return Promise.resolve();
  }
}

const mapped =
  (externalHost: string) =>
  ({ internalPort, internalHost, options }: MapCall): Promise<PortMapping> =>
    Promise.resolve({
      externalHost,
      externalPort: options?.externalPort ?? internalPort,
      internalHost,
      internalPort,
      protocol: 'TCP',
    });

const refused = (message: string) => (): Promise<PortMapping> => Promise.reject(new Error(message));

/** A UPnP client that finds `gateways` (none: discovery ends empty). */
function upnpFinding(...gateways: Gateway[]): () => UPnPNAT {
  return () => ({
    // eslint-disable-next-line @typescript-eslint/require-await -- an async generator by contract
    async *findGateways() {
      yield* gateways;
    },
    getGateway: () => Promise.reject(new Error('not used')),
  });
}

function options(overrides: Partial<PortForwardingOptions>): PortForwardingOptions {
  return {
    internalPort: 8443,
    interfaces: () => LAN,
    defaultGateway: () => Promise.resolve('192.168.1.1'),
    upnp: upnpFinding(),
    pmp: () => new FakeGateway('192.168.1.1', refused('NAT-PMP not expected')),
    logger: silentLogger,
    ...overrides,
  };
}

describe('asking the router to forward a port', () => {
  it('maps the same port outside over UPnP, to the address on the router’s network', async () => {
    const router = new FakeGateway('192.168.1.1', mapped('203.0.113.7'));
    const result = await openPortForwarding(options({ upnp: upnpFinding(router) }));
    expect(result).toMatchObject({
      ok: true,
      method: 'UPnP IGD',
      externalAddress: '203.0.113.7',
      externalPort: 8443,
      internalAddress: '192.168.1.23',
      internalPort: 8443,
    });
    expect(router.maps).toHaveLength(1);
    expect(router.maps[0]).toMatchObject({
      internalPort: 8443,
      internalHost: '192.168.1.23',
      options: {
        protocol: 'tcp',
        externalPort: 8443,
        description: 'Appel',
        ttl: 3_600_000, // the UPnP client takes milliseconds
        autoRefresh: false,
      },
    });
    if (!result.ok) throw new Error('not mapped');
    await result.close();
    await result.close();
    expect(router.unmaps).toEqual([8443]);
    expect(router.stopped).toBe(1);
  });

  it('falls back to NAT-PMP at the default gateway when UPnP refuses, lease in seconds', async () => {
    const upnp = new FakeGateway('192.168.1.1', refused('ConflictInMappingEntry'));
    const pmp = new FakeGateway('192.168.1.1', mapped('203.0.113.7'));
    const pmpFor = vi.fn(() => pmp);
    const result = await openPortForwarding(
      options({ upnp: upnpFinding(upnp), pmp: pmpFor, leaseSeconds: 600 }),
    );
    expect(result).toMatchObject({ ok: true, method: 'NAT-PMP', externalPort: 8443 });
    expect(pmpFor).toHaveBeenCalledWith('192.168.1.1');
    expect(pmp.maps[0]?.options).toMatchObject({ ttl: 600, autoRefresh: false });
    expect(upnp.stopped).toBe(1);
    if (result.ok) await result.close();
  });

  it('renews before the lease ends, and again after a failed renewal', async () => {
    vi.useFakeTimers();
    cleanups.push(() => vi.useRealTimers());
    let fail = false;
    const pmp = new FakeGateway('192.168.1.1', (call) =>
      fail ? Promise.reject(new Error('timed out')) : mapped('203.0.113.7')(call),
    );
    const result = await openPortForwarding(
      options({ pmp: () => pmp, leaseSeconds: 600, renewBeforeSeconds: 120 }),
    );
    expect(pmp.maps).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(479_000);
    expect(pmp.maps).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(pmp.maps).toHaveLength(2);
    fail = true;
    await vi.advanceTimersByTimeAsync(480_000);
    expect(pmp.maps).toHaveLength(3);
    fail = false;
    await vi.advanceTimersByTimeAsync(60_000); // a failed renewal is retried a minute later
    expect(pmp.maps).toHaveLength(4);
    if (!result.ok) throw new Error('not mapped');
    await result.close();
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(pmp.maps).toHaveLength(4);
    expect(pmp.unmaps).toEqual([8443]);
  });

  it('says plainly that no router answered, or which refused and why', async () => {
    await expect(
      openPortForwarding(options({ defaultGateway: () => Promise.resolve(null) })),
    ).resolves.toEqual({
      ok: false,
      reason: 'No router on your network answered UPnP or NAT-PMP (it may have them turned off).',
    });
    // Silence (a request that timed out) is no refusal.
    const silent = (): Promise<PortMapping> =>
      Promise.reject(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    await expect(
      openPortForwarding(options({ pmp: () => new FakeGateway('192.168.1.1', silent) })),
    ).resolves.toMatchObject({ ok: false, reason: expect.stringMatching(/^No router/) as unknown });
    const result = await openPortForwarding(
      options({
        upnp: upnpFinding(new FakeGateway('192.168.1.1', refused('Action not authorized'))),
        pmp: () => new FakeGateway('192.168.1.1', refused('Not Authorized/Refused')),
      }),
    );
    expect(result).toEqual({
      ok: false,
      reason:
        'The router at 192.168.1.1 refused UPnP IGD (Action not authorized); the router at ' +
        '192.168.1.1 refused NAT-PMP (Not Authorized/Refused).',
    });
    expect(forwardingMessage(result)).toBe(
      `Guests on the internet cannot reach you: ${result.ok ? '' : result.reason} Guests on ` +
        'your own network can still join with the invite.',
    );
  });

  it('words a forwarding plainly, and warns when the router’s address is not public', () => {
    const forwarding = {
      ok: true as const,
      method: 'UPnP IGD' as const,
      externalAddress: '203.0.113.7',
      externalPort: 8443,
      internalAddress: '192.168.1.23',
      internalPort: 8443,
      close: () => Promise.resolve(),
    };
    expect(forwardingMessage(forwarding, 'https://203.0.113.7:8443')).toBe(
      'Your router now forwards port 8443 to this computer (UPnP IGD), so anyone with the ' +
        'invite can join from the internet at https://203.0.113.7:8443. The port closes again ' +
        'when you leave.',
    );
    expect(forwardingMessage({ ...forwarding, externalAddress: '100.64.3.4' })).toMatch(
      /Your router's own internet address, 100\.64\.3\.4, is not a public one/,
    );
    expect(
      ['10.1.2.3', '172.20.0.1', '192.168.0.1', '100.100.0.1', '169.254.1.1'].map(
        isNonPublicAddress,
      ),
    ).toEqual([true, true, true, true, true]);
    expect(['8.8.8.8', '100.128.0.1', '172.32.0.1'].map(isNonPublicAddress)).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('picks the address on the router’s subnet', () => {
    expect(addressTowards('192.168.1.1', LAN)).toBe('192.168.1.23');
    expect(addressTowards('172.17.0.254', LAN)).toBe('172.17.0.1');
    expect(addressTowards('10.0.0.1', LAN)).toBe('172.17.0.1');
    expect(addressTowards('10.0.0.1', { lo: LAN.lo })).toBeNull();
  });
});

// The real network -------------------------------------------------------------------------------

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The desktop app's host side in the home namespace: a real SessionController hosting with
 * "forward my port" on; prints `hosted=<SessionInfo>`, leaves on "leave" from stdin and prints
 * `left`.
 */
const HOST_APP = `
import { SessionController } from './main/session.ts';
import { silentLogger } from './signaling-server/log.ts';
const [userDataDir, name] = process.argv.slice(1);
const controller = new SessionController({
  userDataDir,
  serverLogger: silentLogger,
  portForwarding: { discoveryTimeoutMs: 2000, requestTimeoutMs: 2000 },
});
const info = await controller.host({ name, forwardPort: true });
console.log('hosted=' + JSON.stringify(info));
process.stdin.setEncoding('utf8').on('data', async (text) => {
  if (!text.includes('leave')) return;
  await controller.leave();
  console.log('left');
  process.exit(0);
});
`;

interface HostApp {
  info: SessionInfo;
  output(): string;
  leave(): Promise<void>;
}

/** Starts {@link HOST_APP} inside `site`'s home and waits for its session. */
async function hostAtHome(site: Site, name: string): Promise<HostApp> {
  const dir = await cleanups.tempDir('appel-home-');
  await writeFile(join(dir, 'settings.json'), JSON.stringify({ port: 0 }));
  const args = ['--import', 'tsx', '--input-type=module', '-e', HOST_APP, dir, name];
  const [file, ...rest] = [...site.home.prefix, process.execPath, ...args] as [string, ...string[]];
  const child: ChildProcessWithoutNullStreams = spawn(file, rest, {
    cwd: root,
    stdio: 'pipe',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const waitFor = (pattern: RegExp, what: string): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: timed out:\n${output}`)), 20_000);
      const check = (): void => {
        const found = pattern.exec(output);
        if (!found) return;
        clearTimeout(timer);
        resolve(found);
      };
      child.stdout.on('data', check);
      void exited.then(() => {
        check();
        clearTimeout(timer);
        reject(new Error(`${what}: the host app exited:\n${output}`));
      });
      check();
    });
  const hosted = await waitFor(/^hosted=(.*)$/m, 'hosting');
  return {
    info: JSON.parse(hosted[1]!) as SessionInfo,
    output: () => output,
    async leave() {
      child.stdin.write('leave\n');
      await waitFor(/^left$/m, 'leaving');
    },
  };
}

/** A guest: this test process, on the internet, joining with the invite. */
function guest(dir: string): SessionController {
  const controller = new SessionController({
    userDataDir: dir,
    logger: silentLogger,
    serverLogger: silentLogger,
  });
  cleanups.push(() => controller.leave());
  return controller;
}

function dnatTo(ruleset: string, address: string, port: number): boolean {
  return ruleset.includes(`dnat ip to ${address}:${port}`);
}

describe('hosting from home behind a real router (miniupnpd)', () => {
  let unavailable: string | null = null;
  beforeAll(async () => {
    unavailable =
      (await netnsUnavailable()) ??
      (miniupnpdExecutable() ? null : 'miniupnpd is not installed (apt-get install miniupnpd)');
  });

  async function home(routerOptions?: Parameters<typeof startHomeRouter>[2] | null): Promise<{
    topology: Topology;
    site: Site;
    router: HomeRouter | null;
  }> {
    const topology = await createTopology({
      sites: [{ name: 'home', nat: 'endpoint-independent' }],
    });
    cleanups.push(() => topology.close());
    const site = topology.site('home');
    if (routerOptions === null) return { topology, site, router: null };
    const router = await startHomeRouter(topology, site, routerOptions);
    cleanups.push(() => router.stop());
    return { topology, site, router };
  }

  it.for([
    ['UPnP IGD', {}],
    ['NAT-PMP', { upnp: false }],
  ] as const)(
    'over %s: the invite names the public address, a guest on the internet joins through it, Leave removes it',
    async ([method, routerOptions]) => {
      if (unavailable) throw new Error(unavailable);
      const { site, router } = await home(routerOptions);
      if (!router) throw new Error('no router');
      const host = await hostAtHome(site, 'Hana');
      const info = host.info.host;
      if (!info) throw new Error(`not hosting:\n${host.output()}`);

      const publicUrl = `https://${router.publicAddress}:${info.port}`;
      expect(info.publicUrl).toBe(publicUrl);
      expect(info.portForwarding).toEqual({
        state: 'forwarded',
        message: expect.stringContaining(
          `Your router now forwards port ${info.port} to this computer (${method})`,
        ) as unknown,
      });
      expect(host.info.notice).toBe(info.portForwarding?.message);
      // The invite carries the public URL; the LAN one is still listed for guests at home.
      expect(parseInvite(info.invite).url).toBe(publicUrl);
      expect(info.urls).toContain(`https://${site.homeAddress}:${info.port}`);
      expect(dnatTo(await router.ruleset(), site.homeAddress, info.port)).toBe(true);

      // The guest is on the internet: the only way in is the router's forwarded port.
      const gus = guest(await cleanups.tempDir('appel-guest-'));
      const joined = await gus.join({ url: info.invite, name: 'Gus' });
      expect(joined).toMatchObject({ mode: 'join', url: publicUrl, self: { name: 'Gus' } });
      expect(joined.fingerprint).toBe(info.fingerprint);
      await gus.leave();

      await host.leave();
      expect(dnatTo(await router.ruleset(), site.homeAddress, info.port)).toBe(false);
      await expect(readPeerCertificate(publicUrl, 1500)).rejects.toThrow();
    },
  );

  it('a router without UPnP or NAT-PMP: a plain notice, and hosting goes on', async () => {
    if (unavailable) throw new Error(unavailable);
    const { site } = await home(null);
    const host = await hostAtHome(site, 'Hana');
    const info = host.info.host;
    if (!info) throw new Error(`not hosting:\n${host.output()}`);
    expect(info.publicUrl).toBeUndefined();
    expect(info.portForwarding).toEqual({
      state: 'unavailable',
      message:
        'Guests on the internet cannot reach you: No router on your network answered UPnP or ' +
        'NAT-PMP (it may have them turned off). Guests on your own network can still join with ' +
        'the invite.',
    });
    expect(parseInvite(info.invite).url).toBe(`https://${site.homeAddress}:${info.port}`);
    await host.leave();
  });
});
