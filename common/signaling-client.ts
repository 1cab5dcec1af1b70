/**
 * The one typed signaling client. The desktop app's main process (over a pinned-TLS socket) and
 * the browser page (over the page's own origin) both run it: it joins the room the socket's
 * handshake names, validates everything the server sends, keeps the room's roster, sends relays
 * with acknowledgement deadlines, and reports the connection in phases the page can show.
 *
 * Socket.IO reconnects a dropped connection with backoff; each reconnection sends back the resume
 * token of the last welcome (`auth.resume`), so the client keeps its peer id: a call goes on
 * through a signaling outage, and the other side still knows whom it talks to.
 *
 * The socket is made by the caller (`io(url, {auth, autoConnect: false, …})`), because only the
 * caller knows how the connection is secured; this module imports socket.io-client for types only.
 */
import type { Socket } from 'socket.io-client';
import type { ConnectionStatus, Unsubscribe } from './bridge-api.js';
import { CodedError } from './errors.js';
import { Listeners } from './listeners.js';
import type { EventName, EventPayloads } from './ipc-contract.js';
import {
  Events,
  connectErrorCode,
  isAck,
  parsePeerEvent,
  parsePeerJoined,
  parsePeerList,
  parseResumeNotice,
  validateRelayed,
  validateRelayRequest,
  type ClientToServerEvents,
  type HandshakeAuth,
  type IceServer,
  type PeerId,
  type PeerInfo,
  type PeerList,
  type RelayEvent,
  type RelayRequests,
  type RoomId,
  type ServerToClientEvents,
} from './protocol.js';

/** A Socket.IO client typed by the wire protocol. */
export type SignalingSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface SignalingClientOptions {
  /**
   * How long the server has to acknowledge a relayed message.
   * @default 10000
   */
  ackTimeoutMs?: number;
  /**
   * How long joining may take, handshake and room welcome included.
   * @default 20000
   */
  joinTimeoutMs?: number;
  /**
   * Where dropped (malformed) server events are reported.
   * @default console.warn
   */
  warn?: (message: string) => void;
}

export const CLIENT_DEFAULTS = {
  ackTimeoutMs: 10_000,
  joinTimeoutMs: 20_000,
} as const satisfies Omit<Required<SignalingClientOptions>, 'warn'>;

/**
 * Socket.IO reconnection for the sockets given to a {@link SignalingClient}: the first retry soon
 * (a dropped transport or a restarting server is usually back within a second or two), then
 * doubling to at most 5 s with ±50 % jitter, so clients of a restarted server do not return all
 * at once; forever, since the page has nothing better to do than wait for its server.
 */
export const RECONNECTION = {
  reconnection: true,
  reconnectionDelay: 500,
  reconnectionDelayMax: 5000,
  randomizationFactor: 0.5,
} as const;

type Listener<E extends EventName> = (payload: EventPayloads[E]) => void;

/** The relayed events and the client event each is passed on as. */
const RELAYED = [
  [Events.offer, 'offer'],
  [Events.answer, 'answer'],
  [Events.candidate, 'candidate'],
  [Events.ringing, 'ringing'],
  [Events.hangUp, 'hangUp'],
] as const satisfies readonly (readonly [RelayEvent, EventName])[];

/**
 * A `connect_error`'s message with the transport's own reason, which Socket.IO keeps apart: its
 * "websocket error" says nothing, the TLS refusal under it ("unable to get issuer certificate")
 * does.
 */
function describeConnectError(error: Error): string {
  const description: unknown = (error as { description?: unknown }).description;
  const cause =
    typeof description === 'object' && description !== null && 'message' in description
      ? String(description.message)
      : '';
  return cause && cause !== error.message ? `${error.message} (${cause})` : error.message;
}

export class SignalingClient {
  readonly #socket: SignalingSocket;
  readonly #options: Required<Omit<SignalingClientOptions, 'warn'>>;
  readonly #warn: (message: string) => void;
  readonly #listeners: Listeners<EventPayloads>;
  #self: PeerInfo | null = null;
  #room: RoomId | null = null;
  #peers = new Map<PeerId, PeerInfo>();
  #iceServers: IceServer[] | undefined;
  #closed = false;

  constructor(socket: SignalingSocket, options: SignalingClientOptions = {}) {
    this.#socket = socket;
    this.#options = {
      ackTimeoutMs: options.ackTimeoutMs ?? CLIENT_DEFAULTS.ackTimeoutMs,
      joinTimeoutMs: options.joinTimeoutMs ?? CLIENT_DEFAULTS.joinTimeoutMs,
    };
    this.#warn = options.warn ?? ((message) => console.warn(`appel:signaling ${message}`));
    this.#listeners = new Listeners((event, error) =>
      this.#warn(`a "${String(event)}" listener threw: ${String(error)}`),
    );
    this.#wire();
  }

  /** This client as the room sees it, once joined. */
  get self(): PeerInfo | null {
    return this.#self;
  }

  get room(): RoomId | null {
    return this.#room;
  }

  /** Everyone else in the room, as last announced by the server. */
  get peers(): PeerInfo[] {
    return [...this.#peers.values()];
  }

  /** The STUN/TURN servers of the last welcome (TURN credentials minted for this connection). */
  get iceServers(): IceServer[] | undefined {
    return this.#iceServers;
  }

  /** The room's welcome as the page needs it again (after a reload), if joined. */
  welcome(): PeerList | null {
    if (!this.#self) return null;
    const list: PeerList = { room: this.#room, self: this.#self, peers: this.peers };
    if (this.#iceServers) list.iceServers = this.#iceServers;
    return list;
  }

  get connected(): boolean {
    return this.#socket.connected && this.#self !== null;
  }

  on<E extends EventName>(event: E, listener: Listener<E>): Unsubscribe {
    return this.#listeners.add(event, listener);
  }

  #emit<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    this.#listeners.emit(event, payload);
  }

  #status(status: ConnectionStatus): void {
    this.#emit('connectionStatus', status);
  }

  /**
   * Connects and joins the room the handshake names. Resolves with the room's welcome; rejects
   * with a {@link CodedError}: the server's refusal code (`unauthorized` for a wrong or revoked
   * key…), `disconnected` when the server cannot be reached, `timeout`.
   */
  open(): Promise<PeerList> {
    const socket = this.#socket;
    this.#status({ phase: 'connecting' });
    return new Promise<PeerList>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        unsubscribe();
        socket.off('connect_error', onError);
      };
      const fail = (error: CodedError): void => {
        done();
        this.close();
        reject(error);
      };
      const onWelcome = (list: PeerList): void => {
        done();
        resolve(list);
      };
      const onError = (error: Error): void => {
        const code = connectErrorCode(error);
        fail(
          code
            ? new CodedError(code, error.message)
            : new CodedError(
                'disconnected',
                `Cannot reach the signaling server: ${describeConnectError(error)}`,
              ),
        );
      };
      const timer = setTimeout(
        () =>
          fail(
            new CodedError(
              'timeout',
              `The signaling server did not let us in within ${this.#options.joinTimeoutMs / 1000} s`,
            ),
          ),
        this.#options.joinTimeoutMs,
      );
      const unsubscribe = this.on('peerList', onWelcome);
      socket.on('connect_error', onError);
      socket.connect();
    });
  }

  /** Replaces the room key the handshake sends, so reconnections use a re-issued key. */
  setRoomKey(key: string): void {
    this.#setAuth({ key });
  }

  /** Changes fields of the handshake `auth` that the next (re)connection sends. */
  #setAuth(fields: HandshakeAuth): void {
    const auth = this.#socket.auth;
    this.#socket.auth = { ...(typeof auth === 'object' ? auth : {}), ...fields };
  }

  /**
   * Sends one relayed event and waits for the server's ack. Rejects with the real cause: the
   * server's refusal (`forbidden`, `unknown-peer`…), `disconnected` or `timeout`.
   */
  async send<E extends RelayEvent>(event: E, request: RelayRequests[E]): Promise<void> {
    const socket = this.#socket;
    if (!socket.connected) {
      throw new CodedError(
        'disconnected',
        'Not connected to the signaling server (it may be restarting); try again in a moment.',
      );
    }
    const checked = validateRelayRequest(event, request);
    if (!checked.ok) throw new CodedError(checked.code, checked.message);
    let ack: unknown;
    try {
      // Socket.IO's ack typing loses the link between a generic event and its payload.
      const timed = socket.timeout(this.#options.ackTimeoutMs) as unknown as {
        emitWithAck(ev: RelayEvent, payload: RelayRequests[RelayEvent]): Promise<unknown>;
      };
      ack = await timed.emitWithAck(event, checked.value);
    } catch (error) {
      if (!socket.connected) {
        throw new CodedError(
          'disconnected',
          `The connection to the signaling server closed before it answered "${event}".`,
          { cause: error },
        );
      }
      throw new CodedError(
        'timeout',
        `The signaling server did not answer "${event}" within ${this.#options.ackTimeoutMs / 1000} s.`,
        { cause: error },
      );
    }
    if (!isAck(ack))
      throw new CodedError('internal', `The server's answer to "${event}" is not an ack.`);
    if (!ack.ok) throw new CodedError(ack.code, ack.message);
  }

  /** Disconnects for good; listeners stay so the last status reaches the page. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.disconnect();
    this.#self = null;
    this.#peers = new Map();
    this.#iceServers = undefined;
  }

  #wire(): void {
    const socket = this.#socket;
    for (const [wireEvent, name] of RELAYED) {
      socket.on(wireEvent, (payload: unknown) => {
        const checked = validateRelayed(wireEvent, payload);
        if (checked.ok) this.#emit(name, checked.value);
        else this.#warn(`dropped a malformed "${wireEvent}": ${checked.message}`);
      });
    }
    socket.on(Events.peerList, (payload: unknown) => {
      const list = parsePeerList(payload);
      if (!list) {
        this.#warn(`dropped a malformed "${Events.peerList}"`);
        return;
      }
      this.#self = list.self;
      this.#room = list.room;
      this.#peers = new Map(list.peers.map((peer) => [peer.id, peer]));
      this.#iceServers = list.iceServers;
      this.#emit('peerList', list);
      this.#status({ phase: 'connected', self: list.self });
    });
    socket.on(Events.resume, (payload: unknown) => {
      const notice = parseResumeNotice(payload);
      if (!notice) return this.#warn(`dropped a malformed "${Events.resume}"`);
      // Kept here only: the page never needs it, and it is what lets a reconnection be us.
      this.#setAuth({ resume: notice.token });
    });
    socket.on(Events.peerJoined, (payload: unknown) => {
      const peer = parsePeerJoined(payload);
      if (!peer) return this.#warn(`dropped a malformed "${Events.peerJoined}"`);
      if (peer.id === this.#self?.id) return;
      this.#peers.set(peer.id, peer);
      this.#emit('peerJoined', peer);
    });
    socket.on(Events.peerLeft, (payload: unknown) => {
      const peer = parsePeerEvent(payload);
      if (!peer) return this.#warn(`dropped a malformed "${Events.peerLeft}"`);
      this.#peers.delete(peer.id);
      this.#emit('peerLeft', peer);
    });
    socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') {
        this.#status({ phase: 'closed' });
      } else if (reason === 'io server disconnect') {
        this.#status({ phase: 'closed', detail: 'The signaling server closed the connection.' });
      } else {
        this.#status({ phase: 'reconnecting', detail: reason });
      }
    });
    socket.on('connect_error', (error) => {
      const code = connectErrorCode(error);
      // `active` is false once the server refused the handshake: Socket.IO will not retry.
      if (!socket.active) {
        this.#status({ phase: 'closed', detail: error.message, ...(code ? { code } : {}) });
      } else if (this.#self) {
        this.#status({ phase: 'reconnecting', detail: describeConnectError(error) });
      }
    });
    socket.io.on('reconnect_failed', () => {
      this.#status({ phase: 'closed', detail: 'Gave up reconnecting to the signaling server.' });
    });
  }
}
