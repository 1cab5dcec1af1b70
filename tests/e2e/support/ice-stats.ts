/**
 * ICE as getStats() reports it for the page's last peer connection: the selected candidate pair
 * and the local candidates gathered, to check which path a call took.
 */
import { expect, test, type Page } from '@playwright/test';
import { acceptCall, callPeer, callStatus, inboundStats, type PeerPage } from './page-helpers.js';

/** A candidate as the stats report it. */
export interface CandidateStats {
  /** `host`, `srflx`, `prflx` or `relay`. */
  type: string;
  address: string;
  port: number;
  /** The candidate's transport (for a relay: the relay's side, UDP). */
  protocol: string;
  /** For a relay: how this browser reaches the TURN server (`udp`, `tcp`, `tls`). */
  relayProtocol?: string;
  /** For srflx and relay: the STUN/TURN URL it came from. */
  url?: string;
}

/** The pair the transport sends on, with both of its candidates. */
export interface SelectedPair {
  state: string;
  nominated: boolean;
  local: CandidateStats;
  remote: CandidateStats;
}

/** The selected pair of the page's last peer connection, or `null` before there is one. */
export function selectedPair(page: Page): Promise<SelectedPair | null> {
  return page.evaluate(async () => {
    type Stat = Record<string, unknown> & { type: string; id: string };
    const candidate = (stat: Stat) => ({
      type: String(stat.candidateType),
      address: String(stat.address),
      port: Number(stat.port),
      protocol: String(stat.protocol),
      ...(typeof stat.relayProtocol === 'string' && { relayProtocol: stat.relayProtocol }),
      ...(typeof stat.url === 'string' && { url: stat.url }),
    });
    const pc = (window.__appelTestPeerConnections ?? []).at(-1);
    if (!pc) return null;
    const stats = await pc.getStats();
    let pair: Stat | undefined;
    stats.forEach((stat: Stat) => {
      if (stat.type === 'transport' && typeof stat.selectedCandidatePairId === 'string') {
        pair = stats.get(stat.selectedCandidatePairId) as Stat | undefined;
      }
    });
    if (!pair) return null;
    return {
      state: String(pair.state),
      nominated: pair.nominated === true,
      local: candidate(stats.get(pair.localCandidateId as string) as Stat),
      remote: candidate(stats.get(pair.remoteCandidateId as string) as Stat),
    };
  });
}

/** Every local candidate the page's last peer connection gathered. */
export function localCandidates(page: Page): Promise<CandidateStats[]> {
  return page.evaluate(async () => {
    type Stat = Record<string, unknown> & { type: string };
    const pc = (window.__appelTestPeerConnections ?? []).at(-1);
    const found: CandidateStats[] = [];
    (await pc?.getStats())?.forEach((stat: Stat) => {
      if (stat.type !== 'local-candidate') return;
      found.push({
        type: String(stat.candidateType),
        address: String(stat.address),
        port: Number(stat.port),
        protocol: String(stat.protocol),
        ...(typeof stat.relayProtocol === 'string' && { relayProtocol: stat.relayProtocol }),
        ...(typeof stat.url === 'string' && { url: stat.url }),
      });
    });
    return found;
  });
}

/** `type address:port/protocol [via relayProtocol]`, for test output. */
export function describeCandidate(candidate: CandidateStats): string {
  const via = candidate.relayProtocol ? ` via ${candidate.relayProtocol}` : '';
  return `${candidate.type} ${candidate.address}:${candidate.port}/${candidate.protocol}${via}`;
}

/** Every candidate pair of the page's last peer connection, one line each, for test output. */
export function candidatePairs(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    type Stat = Record<string, unknown> & { type: string };
    const pc = (window.__appelTestPeerConnections ?? []).at(-1);
    const stats = await pc?.getStats();
    const describe = (id: unknown): string => {
      const stat = stats?.get(id as string) as Stat | undefined;
      if (!stat) return '?';
      const via = typeof stat.relayProtocol === 'string' ? ` via ${stat.relayProtocol}` : '';
      return `${String(stat.candidateType)} ${String(stat.address)}:${String(stat.port)}${via}`;
    };
    const lines: string[] = [];
    stats?.forEach((stat: Stat) => {
      if (stat.type !== 'candidate-pair') return;
      const nominated = stat.nominated === true ? ' nominated' : '';
      lines.push(
        `${String(stat.state)}${nominated}: ${describe(stat.localCandidateId)} ⇄ ` +
          describe(stat.remoteCandidateId),
      );
    });
    return lines;
  });
}

/** Records a line in the test's annotations and on the console. */
export function record(type: string, description: string): void {
  test.info().annotations.push({ type, description });
  console.log(`[${test.info().title}] ${type}: ${description}`);
}

/** The page's selected pair once ICE has nominated it. */
export async function succeededPair({ page }: PeerPage): Promise<SelectedPair> {
  let pair: SelectedPair | null = null;
  await expect
    .poll(async () => {
      pair = await selectedPair(page);
      return pair && { state: pair.state, nominated: pair.nominated };
    })
    .toEqual({ state: 'succeeded', nominated: true });
  return pair!;
}

/**
 * `caller` calls `callee`, who accepts; frames decode on both sides. Records what ICE tried (also
 * when the call fails: the first thing to read) and the pair each side selected, by side name.
 */
export async function callAndReadPairs<Side extends string>(
  sides: Record<Side, PeerPage>,
  caller: Side,
  callee: Side,
): Promise<Record<Side, SelectedPair>> {
  const [from, to] = [sides[caller], sides[callee]];
  try {
    await callPeer(from.page, to.name);
    await acceptCall(to.page, from.name);
    await expect(callStatus(from.page)).toHaveText(`In call with ${to.name}`);
    await expect(callStatus(to.page)).toHaveText(`In call with ${from.name}`);
    for (const { page } of [from, to]) {
      await expect.poll(async () => (await inboundStats(page)).framesDecoded).toBeGreaterThan(0);
    }
  } finally {
    for (const [side, { page }] of Object.entries<PeerPage>(sides)) {
      record(`candidate pairs on ${side}`, (await candidatePairs(page)).join(' | '));
    }
  }
  const pairs = {} as Record<Side, SelectedPair>;
  for (const side of Object.keys(sides) as Side[]) {
    const pair = await succeededPair(sides[side]);
    pairs[side] = pair;
    record(
      `selected pair on ${side}`,
      `local ${describeCandidate(pair.local)} ⇄ remote ${describeCandidate(pair.remote)}`,
    );
  }
  return pairs;
}
