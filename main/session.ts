/**
 * The host/join controller: what the desktop app does behind the bridge. It starts and stops the
 * embedded signaling server, owns this app's pinned Socket.IO connection, validates everything the
 * server sends, and emits it as typed events that main forwards to the window.
 */
import { join as joinPath } from 'node:path';
import type {
  BridgeErrorCode,
  CertificateProbe,
  ConnectionStatus,
  HostInfo,
  JoinRequest,
  SessionInfo,
  SignalingBridge,
  Unsubscribe,
} from '../preload/bridge-api.js';
import type { EventName, EventPayloads, InvokeMethod } from '../preload/ipc-contract.js';
import { createLogger, type Logger } from '../signaling-server/log.js';
import {
  Events,
  isAck,
  parsePeerEvent,
  parsePeerList,
  validateRelayed,
  validateRelayRequest,
  type IceCandidate,
  type PeerId,
  type RelayEvent,
  type RelayRequests,
  type SessionDescription,
} from '../signaling-server/protocol.js';
import { createSignalingServer } from '../signaling-server/server.js';
import { loadOrCreateCertificate } from '../signaling-server/tls.js';
import { localServerUrl, serverUrls, type InterfaceTable } from './network.js';
import {
  connectPinned,
  parseServerUrl,
  probeCertificate,
  readPeerCertificate,
  requireFingerprint,
  type SignalingSocket,
} from './pinned-client.js';
import { loadSettings } from './settings.js';
import { TrustStore } from './trust-store.js';

/** The bridge operations main implements; the IPC handlers call exactly these. */
export type SessionApi = { [M in InvokeMethod]: SignalingBridge[M] };

/** How long the server has to acknowledge a message. */
export const ACK_TIMEOUT_MS = 10_000;

/**
 * The code a join rejection starts with when no fingerprint was given: the page then probes the
 * certificate, shows its fingerprint and asks the user whether to trust it.
 */
export const FINGERPRINT_REQUIRED = 'fingerprint-required' satisfies BridgeErrorCode;

/** Sub-folder of userData holding the host's generated certificate. */
export const CERTIFICATES_DIR = 'certificates';

export interface SessionControllerOptions {
  /**
   * The app's userData directory: `settings.json`, `trusted-servers.json` and `certificates/`
   * live there.
   */
  userDataDir: string;
  /** The built call page, served to browser guests by the embedded server. */
  staticDir?: string;
  /** Overrides the settings' bind address without saving it (tests bind to loopback). */
  bindHost?: string;
  /** @default createLogger('appel:session') */
  logger?: Logger;
  /** The embedded server's logger. @default createLogger('appel:server') */
  serverLogger?: Logger;
  /** The machine's interfaces, for the invite's LAN URLs. @default os.networkInterfaces */
  interfaces?: () => InterfaceTable;
}

type EmbeddedServer = Awaited<ReturnType<typeof createSignalingServer>>;
type Listener<E extends EventName> = (payload: EventPayloads[E]) => void;

/** An invite split into the server origin and the fingerprint it carries, if any. */
export interface ParsedInvite {
  url: string;
  fingerprint: string | null;
}

/**
 * Reads what a user pastes into Join: `https://host:port`, `host:port`, or a whole invite
 * `https://host:port/#fp=AB:CD:…`.
 */
export function parseInvite(input: string): ParsedInvite {
  const trimmed = input.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  const url = parseServerUrl(withScheme);
  const fp = new URLSearchParams(url.hash.slice(1)).get('fp');
  return { url: url.origin, fingerprint: fp ? requireFingerprint(fp) : null };
}

function isAddressInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class SessionController implements SessionApi {
  readonly #options: SessionControllerOptions;
  readonly #log: Logger;
  readonly #trust: TrustStore;
  readonly #listeners = new Map<EventName, Set<(payload: never) => void>>();
  #socket: SignalingSocket | null = null;
  #server: EmbeddedServer | null = null;
  #session: SessionInfo | null = null;
  /** The other peers on the server, kept to re-announce them to a reloaded page. */
  #peers = new Set<PeerId>();
  /** host/join/leave run one at a time, in call order. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: SessionControllerOptions) {
    this.#options = options;
    this.#log = options.logger ?? createLogger('appel:session');
    this.#trust = new TrustStore(options.userDataDir, this.#log);
  }

  /** The current session, if any. */
  get session(): SessionInfo | null {
    return this.#session;
  }

  /** Subscribes to an event main forwards to the window. */
  on<E extends EventName>(event: E, listener: Listener<E>): Unsubscribe {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    const listeners = set;
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }

  #emit<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        (listener as Listener<E>)(payload);
      } catch (error) {
        this.#log.error('event listener threw', { event, error: messageOf(error) });
      }
    }
  }

  #status(status: ConnectionStatus): void {
    this.#emit('connectionStatus', status);
  }

  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation, operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Starts the embedded server (the settings' port, or any free one when it is taken) with this
   * app's certificate and joins it. Already hosting: returns the running session unchanged.
   */
  host(): Promise<SessionInfo> {
    return this.#exclusive(async () => {
      if (this.#session?.mode === 'host') {
        // A reloaded page asking again: tell it who is here, as a fresh connection would.
        this.#emit('peerList', { peers: [...this.#peers] });
        return this.#session;
      }
      await this.#teardown();
      const { userDataDir } = this.#options;
      const settings = await loadSettings(userDataDir, this.#log);
      const bindHost = this.#options.bindHost ?? settings.bindHost;
      const certificate = await loadOrCreateCertificate({
        dataDir: joinPath(userDataDir, CERTIFICATES_DIR),
      });
      const server = await this.#startServer(bindHost, settings.port, certificate);
      try {
        const url = localServerUrl(bindHost, server.port);
        const socket = await this.#connect(url, server.fingerprint);
        const urls = serverUrls(bindHost, server.port, this.#options.interfaces?.());
        const host: HostInfo = {
          urls,
          port: server.port,
          fingerprint: server.fingerprint,
          invite: `${urls[0] ?? url}/#fp=${server.fingerprint}`,
        };
        this.#server = server;
        this.#session = this.#started('host', socket, url, server.fingerprint, host);
      } catch (error) {
        await server.close();
        throw error;
      }
      this.#log.info('hosting', { port: server.port, bindHost });
      return this.#session;
    });
  }

  async #startServer(
    bindHost: string,
    port: number,
    tls: { cert: string; key: string },
  ): Promise<EmbeddedServer> {
    const options = {
      host: bindHost,
      tls: { cert: tls.cert, key: tls.key },
      ...(this.#options.staticDir ? { staticDir: this.#options.staticDir } : {}),
      logger: this.#options.serverLogger ?? createLogger('appel:server'),
    };
    try {
      return await createSignalingServer({ ...options, port });
    } catch (error) {
      if (!isAddressInUse(error) || port === 0) throw error;
      this.#log.warn('port in use; hosting on a free port instead', { port });
      return createSignalingServer({ ...options, port: 0 });
    }
  }

  /**
   * Connects to a server trusting exactly one certificate: the given fingerprint, else the
   * invite's, else the one pinned when the user last trusted this server. With none of them it
   * rejects with {@link FINGERPRINT_REQUIRED} and the fingerprint the server presents. A given
   * fingerprint that connects is remembered for next time.
   */
  join(request: JoinRequest): Promise<SessionInfo> {
    return this.#exclusive(async () => {
      const invite = parseInvite(request.url);
      const given = request.fingerprint
        ? requireFingerprint(request.fingerprint)
        : invite.fingerprint;
      const fingerprint = given ?? (await this.#trust.get(invite.url));
      if (!fingerprint) {
        const presented = await readPeerCertificate(invite.url);
        throw new Error(
          `${FINGERPRINT_REQUIRED}: The server at ${presented.url} presents certificate ` +
            `SHA-256 ${presented.fingerprint}. Compare it with the host's before trusting it.`,
        );
      }
      await this.#teardown();
      const socket = await this.#connect(invite.url, fingerprint);
      this.#session = this.#started('join', socket, invite.url, fingerprint);
      this.#log.info('joined', { url: invite.url });
      if (given) await this.#remember(invite.url, given);
      return this.#session;
    });
  }

  /** Reads the certificate a server (or invite) presents, without trusting it. */
  probeCertificate(url: string): Promise<CertificateProbe> {
    return probeCertificate(parseInvite(url).url);
  }

  /** Disconnects and, when hosting, stops the embedded server. */
  leave(): Promise<void> {
    return this.#exclusive(() => this.#teardown());
  }

  sendOffer(to: PeerId, offer: SessionDescription<'offer'>): Promise<void> {
    return this.#send(Events.offer, { to, offer });
  }

  sendAnswer(to: PeerId, answer: SessionDescription<'answer'>): Promise<void> {
    return this.#send(Events.answer, { to, answer });
  }

  sendCandidate(to: PeerId, candidate: IceCandidate): Promise<void> {
    return this.#send(Events.candidate, { to, candidate });
  }

  sendHangUp(to: PeerId): Promise<void> {
    return this.#send(Events.hangUp, { to });
  }

  async #send<E extends RelayEvent>(event: E, request: RelayRequests[E]): Promise<void> {
    const socket = this.#socket;
    if (!socket?.connected) {
      throw new Error('Not connected to a signaling server: host or join first');
    }
    const checked = validateRelayRequest(event, request);
    if (!checked.ok) throw new Error(checked.message);
    let ack: unknown;
    try {
      // Socket.IO's ack decoration loses the link between a generic event and its payload.
      const timed = socket.timeout(ACK_TIMEOUT_MS) as unknown as {
        emitWithAck(ev: RelayEvent, payload: RelayRequests[RelayEvent]): Promise<unknown>;
      };
      ack = await timed.emitWithAck(event, checked.value);
    } catch {
      throw new Error(
        `The signaling server did not acknowledge "${event}" within ${ACK_TIMEOUT_MS / 1000} s`,
      );
    }
    if (!isAck(ack)) throw new Error(`The signaling server answered "${event}" with a bad ack`);
    if (!ack.ok) throw new Error(ack.message);
  }

  async #connect(url: string, fingerprint: string): Promise<SignalingSocket> {
    this.#status({ phase: 'connecting' });
    try {
      return await connectPinned(url, fingerprint, { setup: (socket) => this.#wire(socket) });
    } catch (error) {
      this.#status({ phase: 'closed', detail: messageOf(error) });
      throw error;
    }
  }

  #started(
    mode: SessionInfo['mode'],
    socket: SignalingSocket,
    url: string,
    fingerprint: string,
    host?: HostInfo,
  ): SessionInfo {
    this.#socket = socket;
    const id = socket.id;
    if (!id) throw new Error('The signaling connection has no id');
    return { mode, selfId: id, url, fingerprint, ...(host ? { host } : {}) };
  }

  /** Validates and forwards every server event; reports connection changes. */
  #wire(socket: SignalingSocket): void {
    const relay = (event: RelayEvent, name: 'offer' | 'answer' | 'candidate' | 'hangUp'): void => {
      socket.on(event, (payload: unknown) => {
        const checked = validateRelayed(event, payload);
        if (checked.ok) this.#emit(name, checked.value);
        else this.#dropped(event, checked.message);
      });
    };
    relay(Events.offer, 'offer');
    relay(Events.answer, 'answer');
    relay(Events.candidate, 'candidate');
    relay(Events.hangUp, 'hangUp');
    socket.on(Events.peerList, (payload: unknown) => {
      const list = parsePeerList(payload);
      if (list) {
        this.#peers = new Set(list.peers);
        this.#emit('peerList', list);
      } else this.#dropped(Events.peerList, 'expected {peers: string[]}');
    });
    socket.on(Events.peerJoined, (payload: unknown) => {
      const peer = parsePeerEvent(payload);
      if (peer) {
        if (peer.id !== socket.id) this.#peers.add(peer.id);
        this.#emit('peerJoined', peer);
      } else this.#dropped(Events.peerJoined, 'expected {id: string}');
    });
    socket.on(Events.peerLeft, (payload: unknown) => {
      const peer = parsePeerEvent(payload);
      if (peer) {
        this.#peers.delete(peer.id);
        this.#emit('peerLeft', peer);
      } else this.#dropped(Events.peerLeft, 'expected {id: string}');
    });
    socket.on('connect', () => {
      // A reconnection gets a new id from the server.
      const selfId = socket.id;
      if (this.#session && this.#socket === socket && selfId) {
        this.#session = { ...this.#session, selfId };
      }
      this.#status({ phase: 'connected', ...(selfId ? { selfId } : {}) });
    });
    socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') return;
      if (reason === 'io server disconnect') {
        this.#status({ phase: 'closed', detail: 'The signaling server closed the connection' });
      } else {
        this.#status({ phase: 'reconnecting', detail: reason });
      }
    });
    socket.io.on('reconnect_error', (error) => {
      this.#status({ phase: 'reconnecting', detail: error.message });
    });
    socket.io.on('reconnect_failed', () => {
      this.#status({ phase: 'closed', detail: 'Gave up reconnecting to the signaling server' });
    });
  }

  #dropped(event: string, error: string): void {
    this.#log.warn('dropped an invalid event from the server', { event, error });
  }

  async #teardown(): Promise<void> {
    const socket = this.#socket;
    const server = this.#server;
    const hadSession = this.#session !== null;
    this.#socket = null;
    this.#server = null;
    this.#session = null;
    this.#peers = new Set();
    socket?.disconnect();
    socket?.removeAllListeners();
    if (server) {
      await server.close();
      this.#log.info('stopped hosting');
    }
    if (hadSession) this.#status({ phase: 'closed' });
  }

  async #remember(origin: string, fingerprint: string): Promise<void> {
    try {
      await this.#trust.remember(origin, fingerprint);
    } catch (error) {
      this.#log.warn('cannot save the trusted server', { origin, error: messageOf(error) });
    }
  }
}
