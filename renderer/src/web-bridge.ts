/**
 * The {@link SignalingBridge} for a browser guest: socket.io-client to the server that served
 * this page. The browser checks the server's certificate itself, so there is nothing to pin.
 */
import { io, type Socket } from 'socket.io-client';
import type {
  ConnectionStatus,
  SessionInfo,
  SignalingBridge,
  Unsubscribe,
} from '../../preload/bridge-api.js';
import {
  Events,
  isAck,
  isPeerId,
  parsePeerEvent,
  parsePeerList,
  validateRelayed,
  type ClientToServerEvents,
  type PeerEvent,
  type PeerList,
  type RelayEvent,
  type RelayedAnswer,
  type RelayedCandidate,
  type RelayedHangUp,
  type RelayedOffer,
  type ServerToClientEvents,
} from '../../signaling-server/protocol.js';

type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How long a sent event may wait for the server's acknowledgement. */
const ACK_TIMEOUT_MS = 10_000;
/** How long the first connection may take before `join()` gives up. */
const JOIN_TIMEOUT_MS = 20_000;
const DESKTOP_ONLY = 'Hosting needs the Appel desktop app';

/** A set of listeners for one event; a throwing listener does not stop the others. */
class Listeners<T> {
  private readonly set = new Set<(event: T) => void>();

  add(listener: (event: T) => void): Unsubscribe {
    const wrapped = (event: T): void => listener(event);
    this.set.add(wrapped);
    return () => {
      this.set.delete(wrapped);
    };
  }

  emit(event: T): void {
    for (const listener of [...this.set]) {
      try {
        listener(event);
      } catch (error) {
        console.error('appel:web-bridge listener failed', error);
      }
    }
  }
}

export function createWebBridge(origin: string = location.origin): SignalingBridge {
  let socket: AppSocket | null = null;
  let session: SessionInfo | null = null;
  const offers = new Listeners<RelayedOffer>();
  const answers = new Listeners<RelayedAnswer>();
  const candidates = new Listeners<RelayedCandidate>();
  const hangUps = new Listeners<RelayedHangUp>();
  const peerLists = new Listeners<PeerList>();
  const peersJoined = new Listeners<PeerEvent>();
  const peersLeft = new Listeners<PeerEvent>();
  const statuses = new Listeners<ConnectionStatus>();

  /** Passes a relayed event on only if it is well formed: the server is not trusted blindly. */
  function relay<T>(event: RelayEvent, listeners: Listeners<T>) {
    return (payload: unknown): void => {
      const checked = validateRelayed(event, payload);
      if (checked.ok) listeners.emit(checked.value as T);
      else console.warn(`appel:web-bridge dropped a malformed "${event}": ${checked.message}`);
    };
  }

  function wire(s: AppSocket): void {
    s.on(Events.offer, relay(Events.offer, offers));
    s.on(Events.answer, relay(Events.answer, answers));
    s.on(Events.candidate, relay(Events.candidate, candidates));
    s.on(Events.hangUp, relay(Events.hangUp, hangUps));
    s.on(Events.peerList, (payload: unknown) => {
      const list = parsePeerList(payload);
      if (list) peerLists.emit(list);
      else console.warn('appel:web-bridge dropped a malformed peer list');
    });
    for (const [event, listeners] of [
      [Events.peerJoined, peersJoined],
      [Events.peerLeft, peersLeft],
    ] as const) {
      s.on(event, (payload: unknown) => {
        const peer = parsePeerEvent(payload);
        if (peer) listeners.emit(peer);
        else console.warn(`appel:web-bridge dropped a malformed "${event}"`);
      });
    }
    s.on(Events.newUser, (id: unknown) => {
      if (!isPeerId(id)) return;
      if (session) session = { ...session, selfId: id };
      statuses.emit({ phase: 'connected', selfId: id });
    });
    s.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') statuses.emit({ phase: 'closed' });
      else if (reason === 'io server disconnect') {
        statuses.emit({ phase: 'closed', detail: 'The server closed the connection.' });
      } else statuses.emit({ phase: 'reconnecting', detail: reason });
    });
    let everConnected = false;
    s.on('connect', () => {
      everConnected = true;
    });
    s.on('connect_error', (error) => {
      // `active` is false when the server refused the handshake: Socket.IO will not retry.
      const phase = !s.active ? 'closed' : everConnected ? 'reconnecting' : 'connecting';
      statuses.emit({ phase, detail: error.message });
    });
    s.io.on('reconnect_attempt', () => statuses.emit({ phase: 'reconnecting' }));
  }

  function connected(): AppSocket {
    if (!socket?.connected) throw new Error('Not connected to the signaling server');
    return socket;
  }

  /** Waits for the server's ack of one event; rejects with the server's message on refusal. */
  async function acked(event: RelayEvent, emitted: Promise<unknown>): Promise<void> {
    let ack: unknown;
    try {
      ack = await emitted;
    } catch (error) {
      throw new Error(
        `The signaling server did not answer "${event}" within ${ACK_TIMEOUT_MS / 1000} s`,
        { cause: error },
      );
    }
    if (!isAck(ack)) throw new Error(`The signaling server sent an invalid answer to "${event}"`);
    if (!ack.ok) throw new Error(ack.message);
  }

  const withAck = () => connected().timeout(ACK_TIMEOUT_MS);

  return {
    platform: 'web',

    host: () => Promise.reject(new Error(DESKTOP_ONLY)),
    probeCertificate: () => Promise.reject(new Error(DESKTOP_ONLY)),

    join() {
      // The fingerprint is ignored: the browser already verified the certificate of this origin.
      if (socket && !socket.active) {
        // The server ended the last session; Socket.IO will not reconnect it by itself.
        socket.disconnect();
        socket = null;
        session = null;
      }
      if (socket) {
        return session ? Promise.resolve(session) : Promise.reject(new Error('Already joining'));
      }
      const s: AppSocket = io(origin);
      socket = s;
      wire(s);
      statuses.emit({ phase: 'connecting' });
      return new Promise<SessionInfo>((resolve, reject) => {
        const fail = (message: string): void => {
          clearTimeout(timer);
          s.off(Events.newUser, onId);
          s.off('connect_error', onError);
          s.disconnect();
          if (socket === s) socket = null;
          reject(new Error(message));
        };
        const timer = setTimeout(
          () => fail(`Could not reach the signaling server at ${origin}`),
          JOIN_TIMEOUT_MS,
        );
        const onError = (error: Error): void => {
          if (!s.active) fail(`The signaling server refused the connection: ${error.message}`);
        };
        const onId = (id: unknown): void => {
          if (!isPeerId(id)) return;
          clearTimeout(timer);
          s.off('connect_error', onError);
          s.off(Events.newUser, onId);
          session = { mode: 'join', selfId: id, url: origin, fingerprint: null };
          resolve(session);
        };
        s.on(Events.newUser, onId);
        s.on('connect_error', onError);
      });
    },

    leave() {
      socket?.disconnect();
      socket = null;
      session = null;
      return Promise.resolve();
    },

    sendOffer: async (to, offer) =>
      acked(Events.offer, withAck().emitWithAck(Events.offer, { to, offer })),
    sendAnswer: async (to, answer) =>
      acked(Events.answer, withAck().emitWithAck(Events.answer, { to, answer })),
    sendCandidate: async (to, candidate) =>
      acked(Events.candidate, withAck().emitWithAck(Events.candidate, { to, candidate })),
    sendHangUp: async (to) => acked(Events.hangUp, withAck().emitWithAck(Events.hangUp, { to })),

    onOffer: (listener) => offers.add(listener),
    onAnswer: (listener) => answers.add(listener),
    onCandidate: (listener) => candidates.add(listener),
    onHangUp: (listener) => hangUps.add(listener),
    onPeerList: (listener) => peerLists.add(listener),
    onPeerJoined: (listener) => peersJoined.add(listener),
    onPeerLeft: (listener) => peersLeft.add(listener),
    onConnectionStatus: (listener) => statuses.add(listener),
  };
}
