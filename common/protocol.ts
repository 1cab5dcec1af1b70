/**
 * The Appel wire protocol: the one contract between the signaling server and every client.
 *
 * Compatible with the tutorial Appel grew from, so a client written for it works unchanged:
 * - on connection the server emits `newUser` with the client's own socket id;
 * - a client emits `offer` `{offer, to}`, `answer` `{answer, to}`, `candidate` `{candidate, to}`,
 *   and the server relays `{offer, from}` etc. to socket `to` only, stamping `from` itself.
 *
 * Extensions: every client event may end with an ack callback, answered with {@link Ack};
 * `call:ringing` tells a caller the callee's app rings; `call:hang-up` ends a call (declined, busy,
 * missed or hung up); `peer:list` / `peer:joined` / `peer:left` announce who is in the room.
 *
 * Rooms: a client joins exactly one room per connection, through the Socket.IO handshake's `auth`
 * ({@link HandshakeAuth}: room, key, display name), so a refusal is a `connect_error` before the
 * client learns anything. A client that names no room (the tutorial's) joins the server's default
 * room, where the server keeps one. Relays only reach members of the sender's room.
 *
 * Identity: a peer keeps its {@link PeerId} across reconnections. Its welcome comes with a resume
 * token (`session:resume`, just before `peer:list`); a client that reconnects sends it back as
 * `auth.resume` and is given the same id, even by a restarted server or another node sharing its
 * certificate. The token names an id, never grants entry: the room key is checked as on any
 * connection.
 *
 * This module is imported by the server, main, preload and the renderer, so it uses only what
 * both Node and browsers provide (no `node:*`, no DOM).
 */

/**
 * The address of a peer in its room, `to` and `from` of every relay. It is the Socket.IO id of
 * the peer's first connection (a tutorial client's `newUser`), and stays the peer's across
 * reconnections that present its resume token, while the socket under it changes. Never shown
 * to people.
 */
export type PeerId = string;

/** A room's name on the server: 1–64 characters of `A–Z a–z 0–9 _ -`. */
export type RoomId = string;

/** A peer as the people in its room see it. */
export interface PeerInfo {
  id: PeerId;
  /** The display name the peer chose (see {@link validateDisplayName}). */
  name: string;
}

/** Event names. Nothing outside this module spells an event name. */
export const Events = {
  /** server → client on connection, with the client's own peer id (tutorial: its socket id). */
  newUser: 'newUser',
  /** client → server `{offer, to}`; server → client `{offer, from}` (tutorial). */
  offer: 'offer',
  /** client → server `{answer, to}`; server → client `{answer, from}` (tutorial). */
  answer: 'answer',
  /** client → server `{candidate, to}`; server → client `{candidate, from}` (tutorial). */
  candidate: 'candidate',
  /** client → server `{to}`; server → client `{from}`: the callee's app rings (it has the offer). */
  ringing: 'call:ringing',
  /**
   * client → server `{to, reason?}`; server → client `{from, reason?}`: the sender ended the call,
   * or never took it ({@link HangUpReason}).
   */
  hangUp: 'call:hang-up',
  /** server → client on connection: the room, the client as others see it, and the others. */
  peerList: 'peer:list',
  /**
   * server → client `{token}`, just before `peer:list`: send `token` back as `auth.resume` when
   * reconnecting, to keep this peer id ({@link ResumeNotice}). Presence clients only.
   */
  resume: 'session:resume',
  /** server → client: a peer joined the room `{id, name}`. */
  peerJoined: 'peer:joined',
  /** server → client: a peer left the room `{id}`; any call with it is over. */
  peerLeft: 'peer:left',
  /**
   * server → client: the server is about to close this connection `{code, message}`: a limit the
   * client kept breaking, or a shutdown (`going-away`: reconnect, another node will answer).
   */
  closing: 'server:closing',
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
  /** @default 40 */
  maxNameLength: number;
}

export const DEFAULT_LIMITS: Readonly<ProtocolLimits> = {
  /**
   * Largest client event payload, as UTF-8 JSON bytes. An audio+video+data SDP is 4–10 KB;
   * 64 KiB leaves room for many tracks. The server sizes its transport buffer just above this
   * limit, so an event a little over it gets a `too-large` ack; a far larger one drops the
   * connection.
   */
  maxPayloadBytes: 64 * 1024,
  /** Longest ICE candidate line; real ones are under 300 characters. */
  maxCandidateLength: 2048,
  /** Longest peer id accepted in `to`; Socket.IO ids are 20 characters. */
  maxPeerIdLength: 128,
  /** Longest display name, in characters (code points): a name, not a message. */
  maxNameLength: 40,
};

/**
 * Why a client event or connection was refused. A closed set: clients switch on it.
 * - `unauthorized`: no room, an unknown room, a wrong room key or a wrong server access key.
 * - `forbidden`: the target is not in the sender's room, or the page's origin is not allowed.
 * - `rate-limited`: too many events, or too many wrong keys from one address (wait and retry).
 * - `too-many-connections`: this address already holds its share of connections.
 * - `room-full`: the room has as many members as the server allows.
 * - `going-away`: the server is shutting down; reconnect (to another node).
 */
export type ErrorCode =
  | 'invalid-payload'
  | 'unknown-peer'
  | 'too-large'
  | 'rate-limited'
  | 'forbidden'
  | 'unauthorized'
  | 'server-full'
  | 'too-many-connections'
  | 'room-full'
  | 'going-away'
  | 'internal';

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'invalid-payload',
  'unknown-peer',
  'too-large',
  'rate-limited',
  'forbidden',
  'unauthorized',
  'server-full',
  'too-many-connections',
  'room-full',
  'going-away',
  'internal',
]);

/** Whether a string is one of the protocol's {@link ErrorCode}s. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && ERROR_CODES.has(value);
}

/** `data` of the `connect_error` a refused handshake gives the client. */
export interface ConnectErrorData {
  code: ErrorCode;
}

/** Reads the code of a refused handshake from a Socket.IO `connect_error`, if the server sent one. */
export function connectErrorCode(error: unknown): ErrorCode | null {
  if (typeof error !== 'object' || error === null || !('data' in error)) return null;
  const data: unknown = error.data;
  return isRecord(data) && isErrorCode(data.code) ? data.code : null;
}

/**
 * What a client sends in the Socket.IO handshake (`io(url, {auth})`). All optional: a tutorial
 * client sends none and lands in the default room, if the server keeps one.
 */
export interface HandshakeAuth {
  /** The room to join; omitted for the default room. */
  room?: RoomId;
  /** The room's key, from the invite. */
  key?: string;
  /** The name others see; the server picks `Guest …` when omitted. */
  name?: string;
  /** The server-wide access key, when the operator set one. */
  accessKey?: string;
  /**
   * The token of this client's last `session:resume` ({@link ResumeNotice}), on reconnection:
   * the server gives back the same peer id when the token is genuine, unexpired and for this
   * room; otherwise it is ignored and the client gets a fresh id.
   */
  resume?: string;
}

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
/** Why a call ended without a hang-up click: shown to the caller in words. */
export type HangUpReason = 'declined' | 'busy' | 'missed';
const HANG_UP_REASONS: ReadonlySet<string> = new Set<HangUpReason>(['declined', 'busy', 'missed']);

export interface HangUpRequest {
  to: PeerId;
  reason?: HangUpReason;
}
export interface RingingRequest {
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
  reason?: HangUpReason;
}
export interface RelayedRinging {
  from: PeerId;
}
export interface PeerList {
  /** The room joined; `null` for the default room. */
  room: RoomId | null;
  /** This client, with the name the server admitted. */
  self: PeerInfo;
  /** Everyone else in the room. */
  peers: PeerInfo[];
  /**
   * STUN/TURN servers for this client's calls, TURN credentials minted for it (TURN REST API).
   * Absent when the server has none configured.
   */
  iceServers?: IceServer[];
}

/** `session:resume` */
export interface ResumeNotice {
  /**
   * Sent back as `auth.resume` on reconnection, to keep this client's peer id. Opaque to
   * clients: signed by the server, bound to the room, valid for {@link RESUME_TOKEN_TTL_MS}.
   */
  token: string;
}

/** How long a resume token is valid after the welcome that issued it: 24 hours. */
export const RESUME_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

/** `<payload>.<signature>`, both base64url; the whole at most 512 characters. */
const RESUME_TOKEN = /^[A-Za-z0-9_-]{1,420}\.[A-Za-z0-9_-]{43}$/;

/** Whether a value has the shape of a resume token (its signature is the server's to check). */
export function isResumeToken(value: unknown): value is string {
  return typeof value === 'string' && RESUME_TOKEN.test(value);
}

/** An RTCIceServer as the server hands it out. */
export interface IceServer {
  /** `stun:`, `turn:` or `turns:` URLs. */
  urls: string[];
  /** TURN REST API username `expiry:identity`. */
  username?: string;
  /** base64(HMAC-SHA1(secret, username)). */
  credential?: string;
}

/** `server:closing` */
export interface ClosingNotice {
  code: ErrorCode;
  message: string;
}
/** `peer:left` */
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
  [Events.ringing]: (payload: RingingRequest, ack?: AckCallback) => void;
  [Events.hangUp]: (payload: HangUpRequest, ack?: AckCallback) => void;
}

/** Server → client events. */
export interface ServerToClientEvents {
  [Events.newUser]: (id: PeerId) => void;
  [Events.offer]: (payload: RelayedOffer) => void;
  [Events.answer]: (payload: RelayedAnswer) => void;
  [Events.candidate]: (payload: RelayedCandidate) => void;
  [Events.ringing]: (payload: RelayedRinging) => void;
  [Events.hangUp]: (payload: RelayedHangUp) => void;
  [Events.peerList]: (payload: PeerList) => void;
  [Events.resume]: (payload: ResumeNotice) => void;
  [Events.peerJoined]: (payload: PeerInfo) => void;
  [Events.peerLeft]: (payload: PeerEvent) => void;
  [Events.closing]: (payload: ClosingNotice) => void;
}

/** The client events that are relayed to another peer, and the request each carries. */
export interface RelayRequests {
  [Events.offer]: OfferRequest;
  [Events.answer]: AnswerRequest;
  [Events.candidate]: CandidateRequest;
  [Events.ringing]: RingingRequest;
  [Events.hangUp]: HangUpRequest;
}
export type RelayEvent = keyof RelayRequests;
export const RELAY_EVENTS: readonly RelayEvent[] = [
  Events.offer,
  Events.answer,
  Events.candidate,
  Events.ringing,
  Events.hangUp,
];

/** What a client receives for each relayed event. */
export interface RelayedEvents {
  [Events.offer]: RelayedOffer;
  [Events.answer]: RelayedAnswer;
  [Events.candidate]: RelayedCandidate;
  [Events.ringing]: RelayedRinging;
  [Events.hangUp]: RelayedHangUp;
}

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

/** The most UTF-8 bytes one UTF-16 unit of a string takes in JSON: a `\u00XX` escape. */
const MAX_JSON_BYTES_PER_UNIT = 6;
/** The longest JSON number, e.g. `-0.000001234567890123456` (17 digits). */
const MAX_JSON_NUMBER_BYTES = 25;
/** How deep and wide {@link payloadBytesBound} looks; protocol payloads are 2 deep, 4 wide. */
const BOUND_DEPTH = 4;
const BOUND_WIDTH = 16;

function jsonBytesBound(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      return 2 + MAX_JSON_BYTES_PER_UNIT * value.length;
    case 'number':
      return MAX_JSON_NUMBER_BYTES;
    case 'boolean':
      return 5;
    case 'bigint':
      return Infinity; // JSON.stringify throws: leave that to the exact count.
    case 'object':
      break;
    default:
      return 4; // undefined, functions, symbols: omitted, or `null` in an array.
  }
  if (value === null) return 4;
  if (depth === 0) return Infinity;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Array.prototype) {
    const items = value as unknown[];
    if (
      items.length > BOUND_WIDTH ||
      typeof (value as { toJSON?: unknown }).toJSON === 'function'
    ) {
      return Infinity;
    }
    let bytes = 2 + items.length;
    for (const item of items) bytes += jsonBytesBound(item, depth - 1);
    return bytes;
  }
  // Anything JSON.stringify would not read as plain fields (toJSON, Buffers, Dates…) is counted.
  if (proto !== Object.prototype && proto !== null) return Infinity;
  const record = value as Record<string, unknown>;
  if (typeof record.toJSON === 'function') return Infinity;
  let bytes = 2;
  let fields = 0;
  for (const key in record) {
    if (++fields > BOUND_WIDTH) return Infinity;
    // Quotes, colon and comma around the key, then the value.
    bytes += 4 + MAX_JSON_BYTES_PER_UNIT * key.length + jsonBytesBound(record[key], depth - 1);
  }
  return bytes;
}

/**
 * An upper bound of {@link payloadBytes} read from string lengths alone, without looking at a
 * character; `Infinity` for payloads deeper or wider than the protocol's, or that are not plain
 * JSON data. The relay counts exactly only when this bound is over the limit.
 */
export function payloadBytesBound(payload: unknown): number {
  return jsonBytesBound(payload, BOUND_DEPTH);
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
  // Most payloads are far under the limit: the bound tells so without encoding them.
  if (payloadBytesBound(payload) > limits.maxPayloadBytes) {
    const size = payloadBytes(payload);
    if (size > limits.maxPayloadBytes) {
      return {
        ok: false,
        code: 'too-large',
        message: `"${event}" payload is ${size} bytes; the limit is ${limits.maxPayloadBytes}`,
      };
    }
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
  } else if (event === Events.hangUp && payload.reason !== undefined) {
    const { reason } = payload;
    if (typeof reason === 'string' && HANG_UP_REASONS.has(reason)) {
      value = { to, reason: reason as HangUpReason };
    } else error = '"reason" must be "declined", "busy" or "missed"';
  }
  // The branch taken matches `event`, so `value` has the shape of RelayRequests[E].
  return error ? invalid(error) : { ok: true, value: value as RelayRequests[E] };
}

/** Whether a value can be a peer id (a non-empty string within the id length limit). */
export function isPeerId(value: unknown): value is PeerId {
  return checkPeerId(value, 'id', DEFAULT_LIMITS) === null;
}

function parsePeerInfo(value: unknown): PeerInfo | null {
  if (!isRecord(value) || !isPeerId(value.id) || typeof value.name !== 'string') return null;
  const name = validateDisplayName(value.name);
  return name.ok ? { id: value.id, name: name.value } : null;
}

/** Validates a `peer:list` from the server, returned as a fresh copy. */
export function parsePeerList(value: unknown): PeerList | null {
  if (!isRecord(value) || !Array.isArray(value.peers)) return null;
  if (value.room !== null && !isRoomId(value.room)) return null;
  const self = parsePeerInfo(value.self);
  const peers = (value.peers as unknown[]).map(parsePeerInfo);
  if (!self || peers.some((peer) => peer === null)) return null;
  const list: PeerList = { room: value.room, self, peers: peers as PeerInfo[] };
  if (value.iceServers !== undefined) {
    const iceServers = parseIceServers(value.iceServers);
    if (!iceServers) return null;
    list.iceServers = iceServers;
  }
  return list;
}

/** Validates a `session:resume` from the server: `{token}`. */
export function parseResumeNotice(value: unknown): ResumeNotice | null {
  return isRecord(value) && isResumeToken(value.token) ? { token: value.token } : null;
}

const ICE_URL = /^(stun|stuns|turn|turns):[^\s]{1,512}$/;

/** Validates a list of ICE servers (from the server, or from the user's settings). */
export function parseIceServers(value: unknown): IceServer[] | null {
  if (!Array.isArray(value) || value.length > 16) return null;
  const servers: IceServer[] = [];
  for (const entry of value as unknown[]) {
    if (!isRecord(entry)) return null;
    const urls = typeof entry.urls === 'string' ? [entry.urls] : entry.urls;
    if (!Array.isArray(urls) || urls.length === 0 || urls.length > 16) return null;
    if (!urls.every((url) => typeof url === 'string' && ICE_URL.test(url))) return null;
    const server: IceServer = { urls: [...(urls as string[])] };
    for (const field of ['username', 'credential'] as const) {
      const text = entry[field];
      if (text === undefined) continue;
      if (typeof text !== 'string' || text.length > 512) return null;
      server[field] = text;
    }
    servers.push(server);
  }
  return servers;
}

/** Validates a `server:closing` notice. */
export function parseClosingNotice(value: unknown): ClosingNotice | null {
  if (!isRecord(value) || !isErrorCode(value.code) || typeof value.message !== 'string') {
    return null;
  }
  return { code: value.code, message: value.message.slice(0, 500) };
}

/** Validates a `peer:joined` from the server: `{id, name}`. */
export function parsePeerJoined(value: unknown): PeerInfo | null {
  return parsePeerInfo(value);
}

/** Validates a `peer:left` from the server: `{id}`. */
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
export function validateRelayed<E extends RelayEvent>(
  event: E,
  payload: unknown,
): Validation<RelayedEvents[E]> {
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
  // Same fields as the request, `to` read back as `from`: the shape of RelayedEvents[E].
  return { ok: true, value: { ...rest, from: to } as unknown as RelayedEvents[E] };
}

// Rooms, keys and names --------------------------------------------------------------------------

const ROOM_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** base64url, at least 22 characters (128 bits), at most 128. */
const ROOM_KEY = /^[A-Za-z0-9_-]{22,128}$/;
/** The longest server-wide access key accepted. */
export const MAX_ACCESS_KEY_LENGTH = 256;

/** Whether a value can name a room. */
export function isRoomId(value: unknown): value is RoomId {
  return typeof value === 'string' && ROOM_ID.test(value);
}

/** Whether a value has the shape of a room key (base64url, 128 to 768 bits). */
export function isAccessKey(value: unknown): value is string {
  return typeof value === 'string' && ROOM_KEY.test(value);
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** `bytes` from the platform's CSPRNG (Web Crypto: the same in Node and browsers), base64url. */
export function randomToken(bytes: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** A fresh room key: 256 bits from the CSPRNG (the invite needs at least 128). */
export function newRoomKey(): string {
  return randomToken(32);
}

/** A fresh room id: 96 random bits, so room names do not hint at who is in them. */
export function newRoomId(): RoomId {
  return randomToken(12);
}

/**
 * Characters a name may not hold: controls, unassigned and private-use code points, lone
 * surrogates, and the bidirectional overrides that make a name display as another.
 */
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Cs}\p{Co}\p{Cn}\u202A-\u202E\u2066-\u2069]/u;

/**
 * Checks a display name: trimmed, inner runs of white space made one space, NFC, 1 to
 * `maxNameLength` characters, none of them invisible control or direction characters.
 */
export function validateDisplayName(
  value: unknown,
  limits: Pick<ProtocolLimits, 'maxNameLength'> = DEFAULT_LIMITS,
): Validation<string> {
  if (typeof value !== 'string') return invalid('The name must be text.');
  const name = value.normalize('NFC').trim().replace(/\s+/gu, ' ');
  if (name === '') return invalid('Enter a name for others to see.');
  if ([...name].length > limits.maxNameLength) {
    return invalid(`The name is longer than ${limits.maxNameLength} characters.`);
  }
  if (FORBIDDEN_IN_NAME.test(name)) {
    return invalid('The name holds control or direction characters; use letters, digits, signs.');
  }
  return { ok: true, value: name };
}

/** A handshake's fields once checked; `null` where the client sent nothing. */
export interface CheckedHandshake {
  room: RoomId | null;
  key: string | null;
  name: string | null;
  accessKey: string | null;
  /** Present only when the client sent one. */
  resume?: string;
}

/** Validates the handshake `auth` of a connecting client (see {@link HandshakeAuth}). */
export function validateHandshake(
  auth: unknown,
  limits: Pick<ProtocolLimits, 'maxNameLength'> = DEFAULT_LIMITS,
): Validation<CheckedHandshake> {
  const fields = isRecord(auth) ? auth : {};
  const present = (name: string): boolean => fields[name] !== undefined && fields[name] !== null;
  const checked: CheckedHandshake = { room: null, key: null, name: null, accessKey: null };
  if (present('room')) {
    if (!isRoomId(fields.room)) return invalid('"room" must be 1–64 characters of A–Z a–z 0–9 _ -');
    checked.room = fields.room;
  }
  if (present('key')) {
    if (!isAccessKey(fields.key)) return invalid('"key" is not a room key');
    checked.key = fields.key;
  }
  if (present('name')) {
    const name = validateDisplayName(fields.name, limits);
    if (!name.ok) return name;
    checked.name = name.value;
  }
  if (present('accessKey')) {
    const { accessKey } = fields;
    if (
      typeof accessKey !== 'string' ||
      accessKey.length === 0 ||
      accessKey.length > MAX_ACCESS_KEY_LENGTH
    ) {
      return invalid(`"accessKey" must be 1–${MAX_ACCESS_KEY_LENGTH} characters`);
    }
    checked.accessKey = accessKey;
  }
  if (present('resume')) {
    if (!isResumeToken(fields.resume)) return invalid('"resume" is not a resume token');
    checked.resume = fields.resume;
  }
  return { ok: true, value: checked };
}
