/**
 * The host/join controller: what the desktop app does behind the bridge. It starts and stops the
 * embedded signaling server, owns this app's pinned Socket.IO connection, validates everything the
 * server sends, and emits it as typed events that main forwards to the window. The connection
 * reconnects by itself after a transient drop and keeps this app's peer id (signaling-client.ts),
 * so calls in progress go on.
 */
import { join as joinPath } from 'node:path';
import type {
  CertificateProbe,
  HostInfo,
  HostRequest,
  JoinRequest,
  NetworkChange,
  SessionInfo,
  SignalingBridge,
  Unsubscribe,
} from '../common/bridge-api.js';
import { CodedError } from '../common/errors.js';
import { formatInvite, parseInvite } from '../common/invite.js';
import { Listeners } from '../common/listeners.js';
import {
  EVENT_NAMES,
  type EventName,
  type EventPayloads,
  type SessionMethod,
} from '../common/ipc-contract.js';
import {
  Events,
  type HandshakeAuth,
  type HangUpReason,
  type IceCandidate,
  type PeerId,
  type RelayEvent,
  type RelayRequests,
  type RoomId,
  type SessionDescription,
} from '../common/protocol.js';
import { SignalingClient } from '../common/signaling-client.js';
import { createLogger, type Logger } from '../signaling-server/log.js';
import { createSignalingServer } from '../signaling-server/server.js';
import { loadOrCreateCertificate } from '../signaling-server/tls.js';
import { localServerUrl, serverUrls, type InterfaceTable } from './network.js';
import {
  pinnedSocket,
  probeCertificate,
  readPeerCertificate,
  requireFingerprint,
} from './pinned-client.js';
import {
  forwardingMessage,
  openPortForwarding,
  type PortForwarding,
  type PortForwardingOptions,
  type PortForwardingResult,
} from './port-mapping.js';
import { loadSettings } from './settings.js';
import { TrustStore } from './trust-store.js';

/** The bridge operations main implements; the IPC handlers call exactly these. */
export type SessionApi = { [M in SessionMethod]: SignalingBridge[M] };

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
  /** How hosting asks the router to forward its port (when asked to): timeouts, clients. */
  portForwarding?: Omit<PortForwardingOptions, 'internalPort'>;
}

type EmbeddedServer = Awaited<ReturnType<typeof createSignalingServer>>;
type Listener<E extends EventName> = (payload: EventPayloads[E]) => void;

function isAddressInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One live connection: the client, what it forwards, and the embedded server when hosting. */
interface Connection {
  client: SignalingClient;
  unsubscribes: Unsubscribe[];
  info: SessionInfo;
  server: EmbeddedServer | null;
  /** The router's port forwarding to the embedded server, while it lasts. */
  forwarding?: PortForwarding;
}

export class SessionController implements SessionApi {
  readonly #options: SessionControllerOptions;
  readonly #log: Logger;
  readonly #trust: TrustStore;
  readonly #listeners: Listeners<EventPayloads>;
  #current: Connection | null = null;
  /** host/join/leave/newInvite run one at a time, in call order. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: SessionControllerOptions) {
    this.#options = options;
    this.#log = options.logger ?? createLogger('appel:session');
    this.#trust = new TrustStore(options.userDataDir, this.#log);
    this.#listeners = new Listeners((event, error) =>
      this.#log.error('event listener threw', { event, error: messageOf(error) }),
    );
  }

  /** The current session, if any. */
  get session(): SessionInfo | null {
    return this.#current?.info ?? null;
  }

  /** Subscribes to an event main forwards to the window. */
  on<E extends EventName>(event: E, listener: Listener<E>): Unsubscribe {
    return this.#listeners.add(event, listener);
  }

  #emit<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    this.#listeners.emit(event, payload);
  }

  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation, operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Starts the embedded server (the settings' port, or any free one when it is taken) with this
   * app's certificate and one private room, and joins that room. The server keeps no open room:
   * only holders of the invite get in. Already hosting: returns the running session unchanged.
   */
  host(request: HostRequest): Promise<SessionInfo> {
    return this.#exclusive(async () => {
      const current = this.#current;
      if (current?.info.mode === 'host' && current.server) {
        // A reloaded page asking again: tell it who is here, as a fresh connection would.
        const welcome = current.client.welcome();
        if (welcome) this.#emit('peerList', welcome);
        if (request.name === current.info.self.name) return current.info;
        return {
          ...current.info,
          notice: `You are already hosting as ${current.info.self.name}; leave first to use another name.`,
        };
      }
      const { userDataDir } = this.#options;
      const settings = await loadSettings(userDataDir, this.#log);
      const bindHost = this.#options.bindHost ?? settings.bindHost;
      const certificate = await loadOrCreateCertificate({
        dataDir: joinPath(userDataDir, CERTIFICATES_DIR),
      });
      const server = await this.#startServer(bindHost, settings.port, certificate);
      // Asked at once: the router answers while this app's own client connects.
      const asking =
        (request.forwardPort ?? settings.forwardPort) ? this.#forward(server.port) : null;
      try {
        const { room, key } = server.createRoom();
        const url = localServerUrl(bindHost, server.port);
        const client = await this.#open(url, server.fingerprint, { room, key, name: request.name });
        const forwarding = await asking;
        const host = this.#hostInfo(bindHost, server, room, key, forwarding);
        await this.#replace({
          client: client.client,
          server,
          ...(forwarding?.ok ? { forwarding } : {}),
          info: {
            mode: 'host',
            self: client.self,
            room,
            url,
            fingerprint: server.fingerprint,
            host,
            // Never a failure of hosting: what the router did (or not) is said in words.
            ...(host.portForwarding ? { notice: host.portForwarding.message } : {}),
          },
        });
      } catch (error) {
        const forwarding = await asking;
        if (forwarding?.ok) await forwarding.close();
        await server.close();
        throw error;
      }
      this.#log.info('hosting', { port: server.port, bindHost });
      return this.#current!.info;
    });
  }

  /** Asks the router to forward `port`; resolves with the outcome, never rejects. */
  #forward(port: number): Promise<PortForwardingResult> {
    return openPortForwarding({
      logger: this.#log,
      ...this.#options.portForwarding,
      internalPort: port,
    }).catch((error: unknown) => ({ ok: false, reason: messageOf(error) }));
  }

  #hostInfo(
    bindHost: string,
    server: EmbeddedServer,
    room: RoomId,
    key: string,
    forwarding: PortForwardingResult | null = null,
  ): HostInfo {
    const urls = serverUrls(bindHost, server.port, this.#options.interfaces?.());
    const first = urls[0] ?? localServerUrl(bindHost, server.port);
    const publicUrl = forwarding?.ok
      ? `https://${forwarding.externalAddress}:${forwarding.externalPort}`
      : undefined;
    // Guests on the internet need the public URL; guests on the LAN also find theirs on the page.
    const url = publicUrl ?? first;
    const invite = formatInvite({ url, room, key, fingerprint: server.fingerprint });
    const info: HostInfo = {
      urls,
      port: server.port,
      fingerprint: server.fingerprint,
      room,
      invite,
    };
    if (publicUrl) info.publicUrl = publicUrl;
    if (forwarding) {
      info.portForwarding = {
        state: forwarding.ok ? 'forwarded' : 'unavailable',
        message: forwardingMessage(forwarding, publicUrl),
      };
    }
    return info;
  }

  /** Re-keys the hosted room: the old invite stops admitting anyone new; members stay. */
  newInvite(): Promise<HostInfo> {
    return this.#exclusive(() => {
      const current = this.#current;
      const host = current?.info.host;
      if (!current?.server || !host) {
        return Promise.reject(new Error('Not hosting: there is no invite to renew.'));
      }
      const key = current.server.rekeyRoom(host.room);
      // This app's own reconnections must present the new key too.
      current.client.setRoomKey(key);
      const url = host.publicUrl ?? host.urls[0] ?? current.info.url;
      const renewed: HostInfo = {
        ...host,
        invite: formatInvite({ url, room: host.room, key, fingerprint: host.fingerprint }),
      };
      current.info = { ...current.info, host: renewed };
      this.#log.info('issued a new invite; the old one is revoked', { room: host.room });
      return Promise.resolve(renewed);
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
      // Host mode admits invited people only: no default room, no rooms made by guests.
      defaultRoom: false,
      openRooms: false,
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
   * Joins a room, trusting exactly one certificate: the given fingerprint, else the invite's,
   * else the one pinned when the user last trusted this server. With none it rejects
   * `fingerprint-required` with the fingerprint the server presents; a given fingerprint that
   * differs from the pin rejects `fingerprint-changed` unless the user chose to replace it. A
   * failed join leaves the current session (hosting included) as it was.
   */
  join(request: JoinRequest): Promise<SessionInfo> {
    return this.#exclusive(async () => {
      const invite = parseInvite(request.url);
      const given = request.fingerprint
        ? requireFingerprint(request.fingerprint)
        : (invite.fingerprint ?? null);
      const pinned = await this.#trust.get(invite.url);
      if (given && pinned && given !== pinned && !request.replacePin) {
        throw new CodedError(
          'fingerprint-changed',
          `You trusted ${invite.url} with certificate SHA-256 ${pinned}, but this invite names ` +
            `${given}. Replace the pinned certificate only if the host told you it changed.`,
        );
      }
      const fingerprint = given ?? pinned;
      if (!fingerprint) {
        const presented = await readPeerCertificate(invite.url);
        throw new CodedError(
          'fingerprint-required',
          `The server at ${presented.url} presents certificate SHA-256 ${presented.fingerprint}. ` +
            "Compare it with the host's before trusting it.",
        );
      }
      const room = invite.room ?? request.room;
      const key = invite.key ?? request.key;
      const auth: HandshakeAuth = { name: request.name, ...(room && key ? { room, key } : {}) };
      const client = await this.#open(invite.url, fingerprint, auth);
      await this.#replace({
        client: client.client,
        server: null,
        info: { mode: 'join', self: client.self, room: room ?? null, url: invite.url, fingerprint },
      });
      this.#log.info('joined', { url: invite.url });
      if (given) await this.#remember(invite.url, given);
      const notice = this.#trust.takeNotice();
      if (notice) this.#current!.info = { ...this.#current!.info, notice };
      return this.#current!.info;
    });
  }

  /** Tells the page this machine's network changed (main's network watch): calls restart ICE. */
  networkChanged(change: NetworkChange): void {
    this.#emit('networkChange', change);
  }

  /** Reads the certificate a server (or invite) presents, without trusting it. */
  probeCertificate(url: string): Promise<CertificateProbe> {
    return probeCertificate(parseInvite(url).url);
  }

  /** Disconnects and, when hosting, stops the embedded server. */
  leave(): Promise<void> {
    return this.#exclusive(async () => {
      const current = this.#current;
      this.#current = null;
      if (current) await this.#close(current);
    });
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

  sendRinging(to: PeerId): Promise<void> {
    return this.#send(Events.ringing, { to });
  }

  sendHangUp(to: PeerId, reason?: HangUpReason): Promise<void> {
    return this.#send(Events.hangUp, { to, ...(reason ? { reason } : {}) });
  }

  /** Sends on the current connection; with none, rejects (a bridge method never throws). */
  #send<E extends RelayEvent>(event: E, request: RelayRequests[E]): Promise<void> {
    const client = this.#current?.client;
    if (!client) {
      return Promise.reject(
        new CodedError('disconnected', 'Not connected to a signaling server: host or join first.'),
      );
    }
    return client.send(event, request);
  }

  /** Opens a pinned connection and joins its room; nothing reaches the window yet. */
  async #open(
    url: string,
    fingerprint: string,
    auth: HandshakeAuth,
  ): Promise<{ client: SignalingClient; self: SessionInfo['self'] }> {
    const socket = await pinnedSocket(url, fingerprint, auth);
    const client = new SignalingClient(socket, { warn: (message) => this.#log.warn(message) });
    const welcome = await client.open();
    return { client, self: welcome.self };
  }

  /**
   * Makes `next` the session and forwards its events; the previous session (and its server) is
   * closed only now, so a failed host or join never disturbs the running one.
   */
  async #replace(next: Omit<Connection, 'unsubscribes'>): Promise<void> {
    const forward = <E extends EventName>(name: E): Unsubscribe =>
      next.client.on(name, (payload) => this.#emit(name, payload));
    const previous = this.#current;
    const connection: Connection = { ...next, unsubscribes: EVENT_NAMES.map(forward) };
    // Reconnections resume this peer id; should the server hand out another, the session follows.
    const follow = next.client.on('peerList', ({ self }) => {
      connection.info = { ...connection.info, self };
    });
    connection.unsubscribes.push(follow);
    this.#current = connection;
    if (previous) await this.#close(previous, false);
    const { client, info } = next;
    this.#emit('connectionStatus', { phase: 'connected', self: info.self });
    const welcome = client.welcome();
    if (welcome) this.#emit('peerList', welcome);
  }

  async #close(connection: Connection, announce = true): Promise<void> {
    connection.unsubscribes.forEach((unsubscribe) => unsubscribe());
    connection.client.close();
    // Closed before the server: the router stops sending guests to a port about to close.
    await connection.forwarding?.close();
    if (connection.server) {
      await connection.server.close();
      this.#log.info('stopped hosting');
    }
    if (announce) this.#emit('connectionStatus', { phase: 'closed' });
  }

  async #remember(origin: string, fingerprint: string): Promise<void> {
    try {
      await this.#trust.remember(origin, fingerprint);
    } catch (error) {
      this.#log.warn('cannot save the trusted server', { origin, error: messageOf(error) });
    }
  }
}
