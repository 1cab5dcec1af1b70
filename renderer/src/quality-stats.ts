/**
 * The call quality model: reads getStats() reports as Chromium and Firefox write them, and turns
 * consecutive reports into rates (bitrate, loss, frame rate), the path the call takes, and a
 * rating. Pure: no DOM, no timers, no words (quality-view.ts says it in the user's language).
 * Tested on reports captured from real calls (tests/fixtures/quality-*.json).
 *
 * Every field a browser may leave out ends up `null`, never 0: "not reported" and "nothing
 * flows" are different things to the user.
 */

/** A getStats() report, or anything walked the same way (a Map of captured stats in tests). */
export interface StatsSource {
  forEach(callback: (value: unknown, id: string) => void): void;
}

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';
const CANDIDATE_TYPES: readonly string[] = ['host', 'srflx', 'prflx', 'relay'];

/** The candidate pair the call's media flows on. */
export interface CallPath {
  local: CandidateType | null;
  remote: CandidateType | null;
  /** The local candidate's transport: `udp` or `tcp`. */
  protocol: string | null;
  /** For a relayed local candidate: how this side reaches the TURN server (`udp`, `tcp`, `tls`). */
  relayProtocol: string | null;
}

/** One direction of the call, sent or received. */
export interface DirectionQuality {
  /** Media bits per second since the previous report, audio and video together. */
  bitrate: number | null;
  /**
   * Packets lost, in percent: received ones counted since the previous report; sent ones as the
   * other side last reported them (RTCP), the worse of audio and video.
   */
  loss: number | null;
  /** Interarrival jitter in milliseconds, of the audio when there is audio (it suffers first). */
  jitter: number | null;
  /** Video frame size in pixels. */
  width: number | null;
  height: number | null;
  /** Video frames per second. */
  fps: number | null;
  /** Codec names, video's first (`VP8`, `opus`); empty when none is reported. */
  codecs: string[];
}

export type Rating = 'good' | 'fair' | 'poor';

export interface CallQuality {
  sent: DirectionQuality;
  received: DirectionQuality;
  /** Round-trip time in milliseconds. */
  rtt: number | null;
  path: CallPath | null;
  /** Video was arriving, and none has been decoded for {@link STALL_MS}. */
  videoStalled: boolean;
  /** `null` while nothing that rates a call (loss, RTT) is known yet. */
  rating: Rating | null;
}

/**
 * Rating thresholds. Loss: Opus with FEC and video with NACK hide a couple of percent, and beyond
 * ten the picture breaks up. RTT: ITU-T G.114 keeps conversation easy up to 150 ms one way
 * (300 ms round trip) and calls 400 ms one way (800 ms) unacceptable.
 */
export const THRESHOLDS = {
  fair: { lossPercent: 2, rttMs: 300 },
  poor: { lossPercent: 10, rttMs: 800 },
} as const;

/**
 * Video counts as stopped after this long without a decoded frame. Longer than a second: a
 * camera the other side turned off still sends a black frame about every second.
 */
export const STALL_MS = 3000;

type Stat = Readonly<Record<string, unknown>>;
type Stats = ReadonlyMap<string, Stat>;

function isStat(value: unknown): value is Stat {
  return typeof value === 'object' && value !== null;
}

function collect(source: StatsSource): Stats {
  const stats = new Map<string, Stat>();
  source.forEach((value, id) => {
    if (isStat(value)) stats.set(id, value);
  });
  return stats;
}

function num(stat: Stat | undefined, key: string): number | null {
  const value = stat?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function str(stat: Stat | undefined, key: string): string | null {
  const value = stat?.[key];
  return typeof value === 'string' && value !== '' ? value : null;
}

function ofType(stats: Stats, type: string, kind?: 'audio' | 'video'): Stat[] {
  return [...stats.values()].filter((s) => s.type === type && (!kind || s.kind === kind));
}

/** How much counter `key` grew since the previous report, with the seconds it took. */
function growth(
  stat: Stat,
  before: Stats | null,
  key: string,
): { amount: number; seconds: number } | null {
  const previous = before?.get(String(stat.id));
  const [now, then] = [num(stat, key), num(previous, key)];
  const [at, was] = [num(stat, 'timestamp'), num(previous, 'timestamp')];
  // A counter that went back belongs to a new stream under an old id: no rate from it.
  if (now === null || then === null || at === null || was === null) return null;
  if (at <= was || now < then) return null;
  return { amount: now - then, seconds: (at - was) / 1000 };
}

function perSecond(stat: Stat | undefined, before: Stats | null, key: string): number | null {
  const grown = stat && growth(stat, before, key);
  return grown ? grown.amount / grown.seconds : null;
}

/** Adds what is known; `null` when nothing is. */
function sum(values: (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length ? known.reduce((a, b) => a + b, 0) : null;
}

function bitrate(streams: Stat[], before: Stats | null, bytesKey: string): number | null {
  const bytes = sum(streams.map((stream) => perSecond(stream, before, bytesKey)));
  return bytes === null ? null : bytes * 8;
}

/** The share of packets lost among those expected since the previous report. */
function receivedLoss(streams: Stat[], before: Stats | null): number | null {
  const lost = sum(streams.map((s) => growth(s, before, 'packetsLost')?.amount ?? null));
  const received = sum(streams.map((s) => growth(s, before, 'packetsReceived')?.amount ?? null));
  if (received === null) return null;
  const expected = received + (lost ?? 0);
  return expected > 0 ? (100 * (lost ?? 0)) / expected : null;
}

function worst(values: (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length ? Math.max(...known) : null;
}

/** The worse sent stream's loss as the other side last reported it (RTCP `fractionLost`). */
function sentLoss(remoteInbound: Stat[]): number | null {
  const fraction = worst(remoteInbound.map((stream) => num(stream, 'fractionLost')));
  return fraction === null ? null : fraction * 100;
}

/** Jitter in ms, the audio stream's first. */
function jitter(audio: Stat[], video: Stat[]): number | null {
  const seconds = num(audio[0], 'jitter') ?? num(video[0], 'jitter');
  return seconds === null ? null : seconds * 1000;
}

/** Codec names, from each stream's codecId (`video/VP8` → `VP8`), video first, each once. */
function codecs(stats: Stats, video: Stat[], audio: Stat[]): string[] {
  const names = [...video, ...audio]
    .map((stream) => str(stats.get(str(stream, 'codecId') ?? ''), 'mimeType'))
    .filter((mime): mime is string => mime !== null)
    .map((mime) => mime.slice(mime.indexOf('/') + 1));
  return [...new Set(names)];
}

/** The stream to describe: the one carrying the most bytes (with simulcast, the top layer). */
function mainStream(streams: Stat[], bytesKey: string): Stat | undefined {
  return [...streams].sort((a, b) => (num(b, bytesKey) ?? 0) - (num(a, bytesKey) ?? 0))[0];
}

function direction(
  stats: Stats,
  before: Stats | null,
  sent: boolean,
): Omit<DirectionQuality, 'loss' | 'jitter'> {
  const type = sent ? 'outbound-rtp' : 'inbound-rtp';
  const bytesKey = sent ? 'bytesSent' : 'bytesReceived';
  const video = ofType(stats, type, 'video');
  const audio = ofType(stats, type, 'audio');
  const main = mainStream(video, bytesKey);
  // Older browsers lack framesPerSecond: count the frames themselves.
  const framesKey = sent ? 'framesEncoded' : 'framesDecoded';
  return {
    bitrate: bitrate([...video, ...audio], before, bytesKey),
    width: num(main, 'frameWidth'),
    height: num(main, 'frameHeight'),
    fps: num(main, 'framesPerSecond') ?? perSecond(main, before, framesKey),
    codecs: codecs(stats, video, audio),
  };
}

/**
 * The transport's selected pair; without one (older Firefox), the pair marked `selected`, else the
 * nominated pair that succeeded.
 */
function selectedPair(stats: Stats): Stat | undefined {
  for (const transport of ofType(stats, 'transport')) {
    const pair = stats.get(str(transport, 'selectedCandidatePairId') ?? '');
    if (pair) return pair;
  }
  const pairs = ofType(stats, 'candidate-pair');
  return (
    pairs.find((pair) => pair.selected === true) ??
    pairs.find((pair) => pair.nominated === true && pair.state === 'succeeded')
  );
}

function candidateType(candidate: Stat | undefined): CandidateType | null {
  const type = str(candidate, 'candidateType');
  return type !== null && CANDIDATE_TYPES.includes(type) ? (type as CandidateType) : null;
}

function path(stats: Stats, pair: Stat | undefined): CallPath | null {
  if (!pair) return null;
  const local = stats.get(str(pair, 'localCandidateId') ?? '');
  const remote = stats.get(str(pair, 'remoteCandidateId') ?? '');
  const localType = candidateType(local);
  return {
    local: localType,
    remote: candidateType(remote),
    protocol: str(local, 'protocol')?.toLowerCase() ?? null,
    relayProtocol:
      localType === 'relay' ? (str(local, 'relayProtocol')?.toLowerCase() ?? null) : null,
  };
}

/** The pair's current RTT, else the freshest RTCP round trip of a sent stream; in ms. */
function roundTrip(pair: Stat | undefined, remoteInbound: Stat[]): number | null {
  const freshest = remoteInbound
    .filter((stream) => num(stream, 'roundTripTime') !== null)
    .sort((a, b) => (num(b, 'timestamp') ?? 0) - (num(a, 'timestamp') ?? 0))[0];
  const seconds = num(pair, 'currentRoundTripTime') ?? num(freshest, 'roundTripTime');
  return seconds === null ? null : seconds * 1000;
}

/** good, fair or poor from loss, RTT and whether video still arrives; `null` if none is known. */
export function rate(quality: Omit<CallQuality, 'rating'>): Rating | null {
  if (quality.videoStalled) return 'poor';
  const loss = worst([quality.sent.loss, quality.received.loss]);
  const { rtt } = quality;
  if (loss === null && rtt === null) return null;
  const atLeast = (level: { lossPercent: number; rttMs: number }): boolean =>
    (loss !== null && loss >= level.lossPercent) || (rtt !== null && rtt >= level.rttMs);
  if (atLeast(THRESHOLDS.poor)) return 'poor';
  if (atLeast(THRESHOLDS.fair)) return 'fair';
  return 'good';
}

/**
 * Follows one call's reports, a second or so apart: each {@link update} compares a report with
 * the previous one. A new call needs a new tracker.
 */
export class QualityTracker {
  private previous: Stats | null = null;
  /** When (report time) video last arrived; `null` until it has. */
  private videoSeenAt: number | null = null;

  update(source: StatsSource): CallQuality {
    const stats = collect(source);
    const before = this.previous;
    const inbound = {
      audio: ofType(stats, 'inbound-rtp', 'audio'),
      video: ofType(stats, 'inbound-rtp', 'video'),
    };
    const remoteInbound = ofType(stats, 'remote-inbound-rtp');
    const pair = selectedPair(stats);

    const received: DirectionQuality = {
      ...direction(stats, before, false),
      loss: receivedLoss([...inbound.audio, ...inbound.video], before),
      jitter: jitter(inbound.audio, inbound.video),
    };
    const sent: DirectionQuality = {
      ...direction(stats, before, true),
      loss: sentLoss(remoteInbound),
      jitter: jitter(
        remoteInbound.filter((s) => s.kind === 'audio'),
        remoteInbound.filter((s) => s.kind === 'video'),
      ),
    };
    const videoStalled = this.videoStalled(inbound.video, before);
    this.previous = stats;
    const quality = {
      sent,
      received,
      rtt: roundTrip(pair, remoteInbound),
      path: path(stats, pair),
      videoStalled,
    };
    return { ...quality, rating: rate(quality) };
  }

  private videoStalled(video: Stat[], before: Stats | null): boolean {
    const now = worst(video.map((stream) => num(stream, 'timestamp')));
    if (now === null) return false;
    const arrived = video.some(
      (stream) =>
        (num(stream, 'framesDecoded') ?? 0) >
        (num(before?.get(String(stream.id)), 'framesDecoded') ?? 0),
    );
    if (arrived) this.videoSeenAt = now;
    return this.videoSeenAt !== null && now - this.videoSeenAt >= STALL_MS;
  }
}
