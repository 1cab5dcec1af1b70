/**
 * The Appel wire protocol: the one contract between the signaling server and every client.
 *
 * Compatible with the tutorial Appel grew from, so a client written for it works unchanged:
 * - on connection the server emits `newUser` with the client's own socket id;
 * - a client emits `offer` `{offer, to}`, `answer` `{answer, to}`, `candidate` `{candidate, to}`,
 *   and the server relays `{offer, from}` etc. to socket `to` only, stamping `from` itself.
 *
 * Extensions: every client event may end with an ack callback, answered with {@link Ack};
 * `call:hang-up` ends a call; `peer:list` / `peer:joined` / `peer:left` announce who can be called.
 *
 * This module is imported by the server, main, preload and the renderer, so it uses only what
 * both Node and browsers provide (no `node:*`, no DOM).
 */

/** A Socket.IO socket id; the address of a peer on one signaling server. */
export type PeerId = string;

/** Event names. Nothing outside this module spells an event name. */
export const Events = {
  /** server → client on connection, with the client's own id (tutorial). */
  newUser: 'newUser',
  /** client → server `{offer, to}`; server → client `{offer, from}` (tutorial). */
  offer: 'offer',
  /** client → server `{answer, to}`; server → client `{answer, from}` (tutorial). */
  answer: 'answer',
  /** client → server `{candidate, to}`; server → client `{candidate, from}` (tutorial). */
  candidate: 'candidate',
  /** client → server `{to}`; server → client `{from}`: the sender ended the call. */
  hangUp: 'call:hang-up',
  /** server → client on connection: every other peer connected to this server. */
  peerList: 'peer:list',
  /** server → client: a peer connected. */
  peerJoined: 'peer:joined',
  /** server → client: a peer disconnected; any call with it is over. */
  peerLeft: 'peer:left',
} as const;

/**
 * Limits the server enforces. Each has a default here, an option on the server, and an error
 * code when hit.
 */
export interface ProtocolLimits {
  /** @default 65536 */
  maxPayloadBytes: number;
  /** @default 2048 */
  maxCandidateLength: number;
  /** @default 128 */
  maxPeerIdLength: number;
}

export const DEFAULT_LIMITS: Readonly<ProtocolLimits> = {
  /**
   * Largest client event payload, as UTF-8 JSON bytes. An audio+video+data SDP is 4–10 KB;
   * 64 KiB leaves room for many tracks and stays far below the transport's 1 MB buffer, so an
   * oversized event gets a `too-large` ack instead of a dropped connection.
   */
  maxPayloadBytes: 64 * 1024,
  /** Longest ICE candidate line; real ones are under 300 characters. */
  maxCandidateLength: 2048,
  /** Longest peer id accepted in `to`; Socket.IO ids are 20 characters. */
  maxPeerIdLength: 128,
};

/** Why a client event was refused. A closed set: clients switch on it. */
export type ErrorCode =
  | 'invalid-payload'
  | 'unknown-peer'
  | 'too-large'
  | 'rate-limited'
  | 'forbidden'
  | 'server-full'
  | 'internal';

/** The answer to every client event that carries an ack callback. */
export type Ack = { ok: true } | { ok: false; code: ErrorCode; message: string };

/** The ack callback a client may pass as the last argument of any event. */
export type AckCallback = (ack: Ack) => void;

/** The parts of an RTCSessionDescriptionInit that travel. */
export interface SessionDescription<T extends 'offer' | 'answer' = 'offer' | 'answer'> {
  type: T;
  sdp: string;
}

/** The parts of an RTCIceCandidateInit that travel. `candidate: ''` is end-of-candidates. */
export interface IceCandidate {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

export interface OfferRequest {
  offer: SessionDescription<'offer'>;
  to: PeerId;
}
export interface AnswerRequest {
  answer: SessionDescription<'answer'>;
  to: PeerId;
}
export interface CandidateRequest {
  candidate: IceCandidate;
  to: PeerId;
}
export interface HangUpRequest {
  to: PeerId;
}

export interface RelayedOffer {
  offer: SessionDescription<'offer'>;
  from: PeerId;
}
export interface RelayedAnswer {
  answer: SessionDescription<'answer'>;
  from: PeerId;
}
export interface RelayedCandidate {
  candidate: IceCandidate;
  from: PeerId;
}
export interface RelayedHangUp {
  from: PeerId;
}
export interface PeerList {
  peers: PeerId[];
}
export interface PeerEvent {
  id: PeerId;
}

/**
 * Client → server events. The ack is optional: tutorial clients send none. Handlers on the
 * server receive `unknown` payloads and validate them with {@link validators}.
 */
export interface ClientToServerEvents {
  [Events.offer]: (payload: OfferRequest, ack?: AckCallback) => void;
  [Events.answer]: (payload: AnswerRequest, ack?: AckCallback) => void;
  [Events.candidate]: (payload: CandidateRequest, ack?: AckCallback) => void;
  [Events.hangUp]: (payload: HangUpRequest, ack?: AckCallback) => void;
}

/** Server → client events. */
export interface ServerToClientEvents {
  [Events.newUser]: (id: PeerId) => void;
  [Events.offer]: (payload: RelayedOffer) => void;
  [Events.answer]: (payload: RelayedAnswer) => void;
  [Events.candidate]: (payload: RelayedCandidate) => void;
  [Events.hangUp]: (payload: RelayedHangUp) => void;
  [Events.peerList]: (payload: PeerList) => void;
  [Events.peerJoined]: (payload: PeerEvent) => void;
  [Events.peerLeft]: (payload: PeerEvent) => void;
}

/** The client events that are relayed to another peer, and the request each carries. */
export interface RelayRequests {
  [Events.offer]: OfferRequest;
  [Events.answer]: AnswerRequest;
  [Events.candidate]: CandidateRequest;
  [Events.hangUp]: HangUpRequest;
}
export type RelayEvent = keyof RelayRequests;
export const RELAY_EVENTS: readonly RelayEvent[] = [
  Events.offer,
  Events.answer,
  Events.candidate,
  Events.hangUp,
];

/** The outcome of validating an untrusted value. */
export type Validation<T> =
  { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

type Limits = Readonly<ProtocolLimits>;

const encoder = new TextEncoder();

/** UTF-8 size of a payload as JSON; `undefined` and functions count as nothing. */
export function payloadBytes(payload: unknown): number {
  const json = JSON.stringify(payload) as string | undefined;
  return json === undefined ? 0 : encoder.encode(json).length;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid<T>(message: string): Validation<T> {
  return { ok: false, code: 'invalid-payload', message };
}

function checkPeerId(value: unknown, field: string, limits: Limits): string | null {
  if (typeof value !== 'string' || value.length === 0) {
    return `"${field}" must be a non-empty string (a peer id)`;
  }
  if (value.length > limits.maxPeerIdLength) {
    return `"${field}" is longer than ${limits.maxPeerIdLength} characters`;
  }
  return null;
}

/** Checks an SDP the way a browser would need it: right type, a session starting with `v=0`. */
function checkDescription(value: unknown, type: 'offer' | 'answer', field: string): string | null {
  if (!isRecord(value)) return `"${field}" must be an object {type, sdp}`;
  if (value.type !== type) return `"${field}.type" must be "${type}"`;
  if (typeof value.sdp !== 'string') return `"${field}.sdp" must be a string`;
  if (!value.sdp.startsWith('v=0')) return `"${field}.sdp" is not an SDP session (must start v=0)`;
  return null;
}

function checkCandidate(value: unknown, limits: Limits): string | null {
  if (!isRecord(value)) return '"candidate" must be an object {candidate, sdpMid, sdpMLineIndex}';
  const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = value;
  if (typeof candidate !== 'string') return '"candidate.candidate" must be a string';
  if (candidate !== '' && !candidate.startsWith('candidate:')) {
    return '"candidate.candidate" must be empty or start with "candidate:"';
  }
  if (candidate.length > limits.maxCandidateLength) {
    return `"candidate.candidate" is longer than ${limits.maxCandidateLength} characters`;
  }
  if (sdpMid !== undefined && sdpMid !== null && typeof sdpMid !== 'string') {
    return '"candidate.sdpMid" must be a string or null';
  }
  if (
    sdpMLineIndex !== undefined &&
    sdpMLineIndex !== null &&
    !(Number.isInteger(sdpMLineIndex) && (sdpMLineIndex as number) >= 0)
  ) {
    return '"candidate.sdpMLineIndex" must be a non-negative integer or null';
  }
  if (
    usernameFragment !== undefined &&
    usernameFragment !== null &&
    typeof usernameFragment !== 'string'
  ) {
    return '"candidate.usernameFragment" must be a string or null';
  }
  if ((sdpMid ?? null) === null && (sdpMLineIndex ?? null) === null && candidate !== '') {
    return '"candidate" needs sdpMid or sdpMLineIndex';
  }
  return null;
}

/** Keeps only the fields the protocol defines, so nothing unvalidated is relayed. */
function pickCandidate(value: Record<string, unknown>): IceCandidate {
  const picked: IceCandidate = { candidate: value.candidate as string };
  if (value.sdpMid !== undefined) picked.sdpMid = value.sdpMid as string | null;
  if (value.sdpMLineIndex !== undefined)
    picked.sdpMLineIndex = value.sdpMLineIndex as number | null;
  if (value.usernameFragment !== undefined) {
    picked.usernameFragment = value.usernameFragment as string | null;
  }
  return picked;
}

/**
 * Validates the payload of a client event. The result holds a fresh object with only the
 * protocol's fields, safe to relay.
 */
export function validateRelayRequest<E extends RelayEvent>(
  event: E,
  payload: unknown,
  limits: Limits = DEFAULT_LIMITS,
): Validation<RelayRequests[E]> {
  if (payload === undefined || payload === null) return invalid(`"${event}" needs a payload`);
  if (!isRecord(payload)) return invalid(`"${event}" payload must be an object`);
  const size = payloadBytes(payload);
  if (size > limits.maxPayloadBytes) {
    return {
      ok: false,
      code: 'too-large',
      message: `"${event}" payload is ${size} bytes; the limit is ${limits.maxPayloadBytes}`,
    };
  }
  const toError = checkPeerId(payload.to, 'to', limits);
  if (toError) return invalid(toError);
  const to = payload.to as string;
  const { offer, answer, candidate } = payload;
  let error: string | null = null;
  let value: RelayRequests[RelayEvent] = { to };
  if (event === Events.offer) {
    error = checkDescription(offer, 'offer', 'offer');
    if (!error) value = { to, offer: { type: 'offer', sdp: (offer as SessionDescription).sdp } };
  } else if (event === Events.answer) {
    error = checkDescription(answer, 'answer', 'answer');
    if (!error) value = { to, answer: { type: 'answer', sdp: (answer as SessionDescription).sdp } };
  } else if (event === Events.candidate) {
    error = checkCandidate(candidate, limits);
    if (!error) value = { to, candidate: pickCandidate(candidate as Record<string, unknown>) };
  }
  // The branch taken matches `event`, so `value` has the shape of RelayRequests[E].
  return error ? invalid(error) : { ok: true, value: value as RelayRequests[E] };
}

/** Whether a value can be a peer id (a non-empty string within the id length limit). */
export function isPeerId(value: unknown): value is PeerId {
  return checkPeerId(value, 'id', DEFAULT_LIMITS) === null;
}

/** Validates a `peer:list` from the server: `{peers: PeerId[]}`, returned as a fresh copy. */
export function parsePeerList(value: unknown): PeerList | null {
  if (!isRecord(value) || !Array.isArray(value.peers)) return null;
  const peers: unknown[] = value.peers;
  return peers.every(isPeerId) ? { peers: [...peers] } : null;
}

/** Validates a `peer:joined` / `peer:left` from the server: `{id: PeerId}`. */
export function parsePeerEvent(value: unknown): PeerEvent | null {
  return isRecord(value) && isPeerId(value.id) ? { id: value.id } : null;
}

/** Type guard for {@link Ack}, for clients that must not trust the server blindly either. */
export function isAck(value: unknown): value is Ack {
  if (!isRecord(value)) return false;
  if (value.ok === true) return true;
  return value.ok === false && typeof value.code === 'string' && typeof value.message === 'string';
}

/** Validates a relayed event from the server before a client acts on it. */
export function validateRelayed(
  event: RelayEvent,
  payload: unknown,
): Validation<RelayedOffer | RelayedAnswer | RelayedCandidate | RelayedHangUp> {
  if (!isRecord(payload)) return invalid(`"${event}" payload must be an object`);
  const fromError = checkPeerId(payload.from, 'from', DEFAULT_LIMITS);
  if (fromError) return invalid(fromError);
  // Reuse the request checks by reading `from` as `to`.
  const asRequest = validateRelayRequest(
    event,
    { ...payload, to: payload.from },
    {
      ...DEFAULT_LIMITS,
      // The server already enforced its own (possibly larger) size limit.
      maxPayloadBytes: Number.MAX_SAFE_INTEGER,
    },
  );
  if (!asRequest.ok) return asRequest;
  const { to, ...rest } = asRequest.value;
  return { ok: true, value: { ...rest, from: to } as RelayedOffer };
}
