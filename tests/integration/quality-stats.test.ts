/**
 * The call quality model on getStats() reports captured from real calls: two Chromium pages on
 * loopback, Firefox ESR calling Chromium, and a Chromium call relayed by coturn (relay only), each
 * as two reports about a second apart (tests/fixtures/quality-*.json). Loss, missing fields and
 * stalls are made by editing those reports, as a lossy network or an older browser would.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  QualityTracker,
  rate,
  STALL_MS,
  type CallQuality,
  type StatsSource,
} from '../../renderer/src/quality-stats.js';

type Stat = Record<string, unknown> & { id: string; type: string; timestamp: number };

function fixture(name: string): Stat[] {
  const url = new URL(`../fixtures/quality-${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Stat[];
}

/** A report as the browser hands it: stats by id. */
function report(stats: Stat[]): StatsSource {
  return new Map(stats.map((stat) => [stat.id, stat]));
}

function find(stats: Stat[], type: string, kind?: string): Stat {
  const found = stats.find((stat) => stat.type === type && (!kind || stat.kind === kind));
  if (!found) throw new Error(`no ${type} ${kind ?? ''} in the fixture`);
  return found;
}

/** A copy of `stats` with `edit` applied to each stat (return `null` to drop it). */
function edited(stats: Stat[], edit: (stat: Stat) => Stat | null): Stat[] {
  return stats.map((stat) => edit({ ...stat })).filter((stat): stat is Stat => stat !== null);
}

/** The same stats `ms` later: every counter unchanged, as when nothing flows. */
function later(stats: Stat[], ms: number): Stat[] {
  return edited(stats, (stat) => ({ ...stat, timestamp: stat.timestamp + ms }));
}

/** What the tracker says of the second report after the first. */
function compare(first: Stat[], second: Stat[]): CallQuality {
  const tracker = new QualityTracker();
  tracker.update(report(first));
  return tracker.update(report(second));
}

/** Bits per second of `type` streams, worked out here from the raw counters. */
function expectedBitrate(first: Stat[], second: Stat[], type: 'inbound-rtp' | 'outbound-rtp') {
  const key = type === 'inbound-rtp' ? 'bytesReceived' : 'bytesSent';
  let total = 0;
  for (const now of second.filter((stat) => stat.type === type)) {
    const then = first.find((stat) => stat.id === now.id)!;
    total +=
      (((now[key] as number) - (then[key] as number)) * 8 * 1000) /
      (now.timestamp - then.timestamp);
  }
  return total;
}

const chromium = [fixture('chromium-1'), fixture('chromium-2')] as const;
const firefox = [fixture('firefox-1'), fixture('firefox-2')] as const;
const relay = [fixture('chromium-relay-1'), fixture('chromium-relay-2')] as const;

describe('a Chromium call on loopback', () => {
  const quality = compare(...chromium);

  test('bitrates come from the byte counters over the reports’ timestamps, both ways', () => {
    const sent = expectedBitrate(...chromium, 'outbound-rtp');
    const received = expectedBitrate(...chromium, 'inbound-rtp');
    // The fake camera sends some 500 kb/s: a real rate, not a 0 = 0 match.
    expect(sent).toBeGreaterThan(300_000);
    expect(received).toBeGreaterThan(300_000);
    expect(quality.sent.bitrate).toBeCloseTo(sent, 3);
    expect(quality.received.bitrate).toBeCloseTo(received, 3);
  });

  test('resolution, frame rate and codec each way', () => {
    const [, second] = chromium;
    for (const [side, type] of [
      ['sent', 'outbound-rtp'],
      ['received', 'inbound-rtp'],
    ] as const) {
      const video = find(second, type, 'video');
      expect(quality[side]).toMatchObject({
        width: 640,
        height: 480,
        fps: video.framesPerSecond,
        codecs: ['VP8', 'opus'],
      });
    }
  });

  test('RTT from the selected pair, no loss, jitter in ms, a direct host pair over UDP', () => {
    const [, second] = chromium;
    const pair = find(second, 'candidate-pair');
    expect(quality.rtt).toBeCloseTo((pair.currentRoundTripTime as number) * 1000, 6);
    expect(quality.sent.loss).toBe(0);
    expect(quality.received.loss).toBe(0);
    expect(quality.received.jitter).toBeCloseTo(
      (find(second, 'inbound-rtp', 'audio').jitter as number) * 1000,
      6,
    );
    expect(quality.sent.jitter).toBeCloseTo(
      (find(second, 'remote-inbound-rtp', 'audio').jitter as number) * 1000,
      6,
    );
    expect(quality.path).toEqual({
      local: 'host',
      remote: 'host',
      protocol: 'udp',
      relayProtocol: null,
    });
    expect(quality.videoStalled).toBe(false);
    expect(quality.rating).toBe('good');
  });

  test('the first report rates the call but has no rate yet', () => {
    const first = new QualityTracker().update(report(chromium[0]));
    expect(first.sent.bitrate).toBeNull();
    expect(first.received.bitrate).toBeNull();
    expect(first.received.loss).toBeNull();
    // Loss as the other side reported it, and the RTT, need no earlier report.
    expect(first.sent.loss).toBe(0);
    expect(first.rtt).not.toBeNull();
    expect(first.rating).toBe('good');
  });
});

describe('Firefox ESR calling Chromium', () => {
  const quality = compare(...firefox);

  test('bitrates, sizes, codecs (encode and decode entries) and frame rates', () => {
    expect(quality.sent.bitrate).toBeCloseTo(expectedBitrate(...firefox, 'outbound-rtp'), 3);
    expect(quality.received.bitrate).toBeCloseTo(expectedBitrate(...firefox, 'inbound-rtp'), 3);
    expect(quality.sent.bitrate).toBeGreaterThan(100_000);
    expect(quality.sent).toMatchObject({ width: 320, height: 240, codecs: ['VP8', 'opus'] });
    expect(quality.received).toMatchObject({ width: 640, height: 480, codecs: ['VP8', 'opus'] });
    expect(quality.sent.fps).toBeGreaterThan(0);
    expect(quality.received.fps).toBeGreaterThan(0);
  });

  test('the pair Firefox selected: its host candidate, the peer seen as prflx, over UDP', () => {
    expect(quality.path).toEqual({
      local: 'host',
      remote: 'prflx',
      protocol: 'udp',
      relayProtocol: null,
    });
    expect(quality.rtt).not.toBeNull();
    expect(quality.rating).toBe('good');
  });

  test('without transport stats (older Firefox) the pair marked selected is used', () => {
    // Marked selected but not nominated: only the `selected` flag can pick it.
    const [first, second] = firefox.map((stats) =>
      edited(stats, (stat) => {
        if (stat.type === 'transport') return null;
        return stat.type === 'candidate-pair' ? { ...stat, nominated: false } : stat;
      }),
    );
    expect(compare(first!, second!).path).toMatchObject({ local: 'host', remote: 'prflx' });
  });
});

describe('a relay-only Chromium call through coturn', () => {
  test('both candidates are relays, with how this side reaches the TURN server', () => {
    expect(compare(...relay).path).toEqual({
      local: 'relay',
      remote: 'relay',
      protocol: 'udp',
      relayProtocol: 'udp',
    });
  });

  test('without selectedCandidatePairId the nominated, succeeded pair is used', () => {
    const [first, second] = relay.map((stats) =>
      edited(stats, (stat) => {
        if (stat.type === 'transport') delete stat.selectedCandidatePairId;
        return stat;
      }),
    );
    expect(compare(first!, second!).path).toMatchObject({ local: 'relay', remote: 'relay' });
  });
});

describe('loss', () => {
  test('received loss is lost / (lost + received) over the interval', () => {
    const [first, second] = chromium;
    const lossy = edited(second, (stat) =>
      stat.type === 'inbound-rtp' && stat.kind === 'video'
        ? { ...stat, packetsLost: (stat.packetsLost as number) + 20 }
        : stat,
    );
    let received = 0;
    for (const now of second.filter((stat) => stat.type === 'inbound-rtp')) {
      const then = first.find((stat) => stat.id === now.id)!;
      received += (now.packetsReceived as number) - (then.packetsReceived as number);
    }
    expect(received).toBeGreaterThan(20);
    expect(compare(first, lossy).received.loss).toBeCloseTo((100 * 20) / (received + 20), 6);
  });

  test('sent loss is the worse fractionLost the other side reported, and rates the call', () => {
    const withLoss = (fraction: number) =>
      edited(chromium[1], (stat) =>
        stat.type === 'remote-inbound-rtp' && stat.kind === 'video'
          ? { ...stat, fractionLost: fraction }
          : stat,
      );
    const fair = compare(chromium[0], withLoss(0.05));
    expect(fair.sent.loss).toBeCloseTo(5, 6);
    expect(fair.rating).toBe('fair');
    expect(compare(chromium[0], withLoss(0.12)).rating).toBe('poor');
  });

  test('a counter that went back (a new stream under an old id) gives no negative rate', () => {
    const [first, second] = chromium;
    const reset = edited(second, (stat) =>
      stat.type === 'outbound-rtp' && stat.kind === 'video' ? { ...stat, bytesSent: 1000 } : stat,
    );
    const audioOnly = expectedBitrate(
      first.filter((stat) => stat.kind === 'audio'),
      second.filter((stat) => stat.kind === 'audio'),
      'outbound-rtp',
    );
    expect(compare(first, reset).sent.bitrate).toBeCloseTo(audioOnly, 3);
  });
});

describe('missing fields', () => {
  test('RTT falls back to the freshest RTCP round trip when the pair has none', () => {
    const [first, second] = chromium.map((stats) =>
      edited(stats, (stat) => {
        if (stat.type === 'candidate-pair') delete stat.currentRoundTripTime;
        return stat;
      }),
    );
    const video = find(second!, 'remote-inbound-rtp', 'video');
    expect(compare(first!, second!).rtt).toBeCloseTo((video.roundTripTime as number) * 1000, 6);
  });

  test('a report without sizes, frame rates, codecs, jitter or ICE stats gives nulls', () => {
    const strip = (stats: Stat[]) =>
      edited(stats, (stat) => {
        if (!['inbound-rtp', 'outbound-rtp'].includes(stat.type)) return null;
        for (const key of ['frameWidth', 'frameHeight', 'framesPerSecond', 'codecId', 'jitter']) {
          delete stat[key];
        }
        return stat;
      });
    const [first, second] = chromium.map(strip);
    const quality = compare(first!, second!);
    expect(quality.sent).toMatchObject({ width: null, height: null, jitter: null, codecs: [] });
    expect(quality.received).toMatchObject({ width: null, height: null, jitter: null, codecs: [] });
    expect(quality.sent.loss).toBeNull();
    expect(quality.rtt).toBeNull();
    expect(quality.path).toBeNull();
    // Frame rates from the frame counters instead.
    const decoded = (stats: Stat[]) => find(stats, 'inbound-rtp', 'video');
    const [then, now] = [decoded(first!), decoded(second!)];
    expect(quality.received.fps).toBeCloseTo(
      (((now.framesDecoded as number) - (then.framesDecoded as number)) * 1000) /
        (now.timestamp - then.timestamp),
      6,
    );
    expect(quality.sent.bitrate).toBeGreaterThan(0);
  });

  test('an empty report knows nothing and rates nothing', () => {
    expect(new QualityTracker().update(new Map())).toEqual({
      sent: {
        bitrate: null,
        loss: null,
        jitter: null,
        width: null,
        height: null,
        fps: null,
        codecs: [],
      },
      received: {
        bitrate: null,
        loss: null,
        jitter: null,
        width: null,
        height: null,
        fps: null,
        codecs: [],
      },
      rtt: null,
      path: null,
      videoStalled: false,
      rating: null,
    });
  });
});

describe('video that stops arriving', () => {
  test(`is stalled after ${STALL_MS} ms without a decoded frame, and rates the call poor`, () => {
    const tracker = new QualityTracker();
    const [first] = chromium;
    expect(tracker.update(report(first)).videoStalled).toBe(false);
    expect(tracker.update(report(later(first, 1000))).videoStalled).toBe(false);
    const stalled = tracker.update(report(later(first, STALL_MS)));
    expect(stalled.videoStalled).toBe(true);
    expect(stalled.rating).toBe('poor');
    // Frames again: flowing.
    expect(tracker.update(report(later(chromium[1], STALL_MS))).videoStalled).toBe(false);
  });

  test('a call whose video never arrived (no camera on the other side) is not stalled', () => {
    const noFrames = edited(chromium[0], (stat) =>
      stat.type === 'inbound-rtp' && stat.kind === 'video' ? { ...stat, framesDecoded: 0 } : stat,
    );
    const tracker = new QualityTracker();
    tracker.update(report(noFrames));
    expect(tracker.update(report(later(noFrames, 2 * STALL_MS))).videoStalled).toBe(false);
  });
});

describe('rating thresholds', () => {
  const base = compare(...chromium);
  const rated = (loss: number | null, rtt: number | null, videoStalled = false) =>
    rate({
      ...base,
      sent: { ...base.sent, loss: null },
      received: { ...base.received, loss },
      rtt,
      videoStalled,
    });

  test.each([
    { loss: 0, rtt: 20, rating: 'good' },
    { loss: 1.9, rtt: 299, rating: 'good' },
    { loss: 2, rtt: 20, rating: 'fair' },
    { loss: 0, rtt: 300, rating: 'fair' },
    { loss: 9.9, rtt: 799, rating: 'fair' },
    { loss: 10, rtt: 20, rating: 'poor' },
    { loss: 0, rtt: 800, rating: 'poor' },
    { loss: null, rtt: 50, rating: 'good' },
    { loss: 3, rtt: null, rating: 'fair' },
    { loss: null, rtt: null, rating: null },
  ] as const)('loss $loss percent, RTT $rtt ms: $rating', ({ loss, rtt, rating }) => {
    expect(rated(loss, rtt)).toBe(rating);
  });

  test('stalled video is poor whatever the loss and RTT', () => {
    expect(rated(0, 10, true)).toBe('poor');
  });

  test('the worse direction counts', () => {
    expect(
      rate({ ...base, sent: { ...base.sent, loss: 12 }, received: { ...base.received, loss: 0 } }),
    ).toBe('poor');
  });
});
