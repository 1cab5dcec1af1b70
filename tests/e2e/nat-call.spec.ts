/**
 * Calls between two homes behind real NAT routers (network namespaces, veth pairs, nftables; see
 * tests/support/netns.ts). appel-signal and coturn listen on the "internet"; each Chromium runs in
 * its home, driven by Playwright over a pipe. Each test builds its own topology and removes it.
 */
import { chromium, expect, test, type Browser } from '@playwright/test';
import { startAppelSignal } from '../support/appel-signal.js';
import { chromiumArgs, chromiumExecutable } from '../support/chromium.js';
import { createCleanups } from '../support/cleanups.js';
import { startCoturn } from '../support/coturn.js';
import {
  createTopology,
  netnsUnavailable,
  type NatKind,
  type Site,
  type Topology,
} from '../support/netns.js';
import {
  callAndReadPairs,
  localCandidates,
  record,
  type SelectedPair,
} from './support/ice-stats.js';
import { openPeer, type PeerPage } from './support/page-helpers.js';

test.beforeAll(async () => {
  // Never skipped: without its namespaces this test would prove nothing, so it fails and says why.
  const reason = await netnsUnavailable();
  if (reason !== null) throw new Error(reason);
});

const cleanups = createCleanups();
test.afterEach(() => cleanups.run());

interface NatCall {
  topology: Topology;
  a: PeerPage;
  b: PeerPage;
  /** The selected pair on A's side and on B's, once media flows both ways. */
  pairs: { a: SelectedPair; b: SelectedPair };
}

/** What each target saw as the source of one home socket, after checking it answered. */
async function probeMappings(topology: Topology, site: Site): Promise<string[]> {
  const targets = await Promise.all(topology.publicAddresses.map((a) => topology.startEcho(a)));
  const seen = await site.mappings(targets);
  record(`${site.name} mappings (${site.nat})`, seen.join(' , '));
  return seen;
}

/**
 * Builds homes A and B behind the given NATs, starts coturn and appel-signal on the internet,
 * then A calls B and B accepts; resolves once video frames decode on both sides.
 */
async function natCall(natA: NatKind, natB: NatKind): Promise<NatCall> {
  const topology = await createTopology({
    sites: [
      { name: 'a', nat: natA },
      { name: 'b', nat: natB },
    ],
  });
  cleanups.push(() => topology.close());
  const [internet] = topology.publicAddresses;
  const coturn = await startCoturn({ listeningIps: [internet], wrap: topology.public.prefix });
  cleanups.push(() => coturn.stop());
  const server = await startAppelSignal({
    host: internet,
    wrap: topology.public.prefix,
    args: [
      ...['--stun-urls', coturn.stunUrl],
      ...['--turn-urls', `${coturn.url},${coturn.tcpUrl}`],
      ...['--turn-secret', coturn.secret],
    ],
  });
  cleanups.push(() => server.stop());

  const peers: PeerPage[] = [];
  for (const site of topology.sites) {
    const browser: Browser = await chromium.launch({
      executablePath: await site.wrapper(chromiumExecutable()),
      // Every address here is a real interface's: no loopback exception needed.
      args: chromiumArgs({ trustCertPem: server.certPem, loopback: false }),
    });
    cleanups.push(() => browser.close());
    peers.push(await openPeer(browser, `${server.url}/`, { name: `Home ${site.name}` }));
  }
  const [a, b] = peers as [PeerPage, PeerPage];

  const pairs = await callAndReadPairs({ a, b }, 'a', 'b');
  return { topology, a, b, pairs };
}

/** The page's server-reflexive candidates, as `address:port`. */
async function srflxMappings({ page }: PeerPage): Promise<string[]> {
  const candidates = await localCandidates(page);
  return candidates
    .filter((candidate) => candidate.type === 'srflx')
    .map(({ address, port }) => `${address}:${port}`);
}

test('behind endpoint-independent NATs: a direct call on server-reflexive addresses', async () => {
  test.setTimeout(120_000);
  const { topology, a, b, pairs } = await natCall('endpoint-independent', 'endpoint-independent');

  // The NAT keeps one mapping per inside socket, whatever the destination.
  for (const site of topology.sites) {
    const [first, second] = await probeMappings(topology, site);
    expect(first).toBe(second);
    expect(first).toMatch(new RegExp(`^${site.publicAddress.replace(/\./g, '\\.')}:\\d+$`));
  }
  // And the peer sees each side at the very address:port STUN reported to it.
  const srflx = { a: await srflxMappings(a), b: await srflxMappings(b) };
  record('srflx candidates', JSON.stringify(srflx));
  const remoteOf = (pair: SelectedPair) => `${pair.remote.address}:${pair.remote.port}`;
  expect(srflx.b).toContain(remoteOf(pairs.a));
  expect(srflx.a).toContain(remoteOf(pairs.b));

  for (const [side, pair] of Object.entries(pairs)) {
    const site = topology.site(side);
    const other = topology.site(side === 'a' ? 'b' : 'a');
    // No relay: each side's local end is its router's mapping, the remote one the other's.
    expect(['srflx', 'prflx']).toContain(pair.local.type);
    expect(['srflx', 'prflx']).toContain(pair.remote.type);
    expect(pair.local.address).toBe(site.publicAddress);
    expect(pair.remote.address).toBe(other.publicAddress);
    expect(pair.local.protocol).toBe('udp');
  }
});

test('behind symmetric NATs: the call goes through TURN', async () => {
  test.setTimeout(120_000);
  const { topology, pairs } = await natCall('symmetric', 'symmetric');

  // A new mapping per destination: what STUN reports is no use to the peer.
  for (const site of topology.sites) {
    const [first, second] = await probeMappings(topology, site);
    expect(first).not.toBe(second);
  }
  for (const pair of Object.values(pairs)) {
    expect([pair.local.type, pair.remote.type]).toContain('relay');
  }
  // At least one side sends through its own relay on coturn.
  const relays = Object.values(pairs).filter((pair) => pair.local.type === 'relay');
  expect(relays.length).toBeGreaterThan(0);
  for (const { local } of relays) expect(local.address).toBe(topology.publicAddresses[0]);
});

test("with UDP blocked at A's router: A relays over TURN/TCP", async () => {
  test.setTimeout(120_000);
  const { topology, a, pairs } = await natCall('udp-blocked', 'endpoint-independent');

  // Nothing of A's reached STUN over UDP: no server-reflexive candidate on A.
  expect(await srflxMappings(a)).toEqual([]);
  expect(pairs.a.local).toMatchObject({
    type: 'relay',
    address: topology.publicAddresses[0],
    relayProtocol: 'tcp',
  });
  expect([pairs.b.local.type, pairs.b.remote.type]).toContain('relay');
});
