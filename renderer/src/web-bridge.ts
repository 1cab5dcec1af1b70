/**
 * The {@link SignalingBridge} for a browser guest: the shared signaling client over
 * socket.io-client to the server that served this page. The browser checks the server's
 * certificate itself, so there is nothing to pin; the room and key come from the invite's
 * fragment, which the browser never sent to anyone.
 *
 * A dropped connection is retried with backoff ({@link RECONNECTION}) and comes back with the same
 * peer id; a page that closes says goodbye, so its room hears at once that it left.
 */
import { io } from 'socket.io-client';
import type { SessionInfo, SignalingBridge } from '../../common/bridge-api.js';
import { CodedError } from '../../common/errors.js';
import { externalLink } from '../../common/links.js';
import { EVENT_NAMES, type EventPayloads } from '../../common/ipc-contract.js';
import { Listeners } from '../../common/listeners.js';
import { Events, type HandshakeAuth } from '../../common/protocol.js';
import {
  RECONNECTION,
  SignalingClient,
  type SignalingSocket,
} from '../../common/signaling-client.js';

const DESKTOP_ONLY = 'Hosting needs the Appel desktop app.';
const DESKTOP_PICKER = 'A browser shares a screen through its own picker (getDisplayMedia).';
const DESKTOP_DOWNLOADS = 'A browser saves received files as downloads.';

export function createWebBridge(origin: string = location.origin): SignalingBridge {
  // Listeners outlive connections: the page subscribes once, then joins and leaves many times.
  const relay = new Listeners<EventPayloads>((event, error) =>
    console.error(`appel:web-bridge a "${String(event)}" listener failed`, error),
  );
  let client: SignalingClient | null = null;
  // A closing page leaves; without it the server would wait for it to come back a while.
  addEventListener('pagehide', () => client?.close());

  function current(): SignalingClient {
    if (!client) throw new CodedError('disconnected', 'Not connected to the signaling server.');
    return client;
  }

  return {
    platform: 'web',

    host: () => Promise.reject(new Error(DESKTOP_ONLY)),
    newInvite: () => Promise.reject(new Error(DESKTOP_ONLY)),
    probeCertificate: () => Promise.reject(new Error(DESKTOP_ONLY)),

    async join(request) {
      // The URL and fingerprint are ignored: the browser verified this origin's certificate.
      client?.close();
      client = null;
      const auth: HandshakeAuth = {
        name: request.name,
        ...(request.room && request.key ? { room: request.room, key: request.key } : {}),
      };
      // WebSocket only: no HTTP long-polling session to pin to one node behind a balancer.
      const socket: SignalingSocket = io(origin, {
        auth,
        autoConnect: false,
        transports: ['websocket'],
        ...RECONNECTION,
      });
      const next = new SignalingClient(socket);
      for (const name of EVENT_NAMES) {
        next.on(name, (payload: EventPayloads[typeof name]) => {
          if (client === next) relay.emit(name, payload);
        });
      }
      client = next;
      try {
        const welcome = await next.open();
        const session: SessionInfo = {
          mode: 'join',
          self: welcome.self,
          room: welcome.room,
          url: origin,
          fingerprint: null,
        };
        relay.emit('peerList', welcome);
        return session;
      } catch (error) {
        if (client === next) client = null;
        throw error;
      }
    },

    leave() {
      const closing = client;
      client = null;
      closing?.close();
      if (closing) relay.emit('connectionStatus', { phase: 'closed' });
      return Promise.resolve();
    },

    sendOffer: (to, offer) => current().send(Events.offer, { to, offer }),
    sendAnswer: (to, answer) => current().send(Events.answer, { to, answer }),
    sendCandidate: (to, candidate) => current().send(Events.candidate, { to, candidate }),
    sendRinging: (to) => current().send(Events.ringing, { to }),
    sendHangUp: (to, reason) =>
      current().send(Events.hangUp, { to, ...(reason ? { reason } : {}) }),

    onOffer: (listener) => relay.add('offer', listener),
    onAnswer: (listener) => relay.add('answer', listener),
    onCandidate: (listener) => relay.add('candidate', listener),
    onRinging: (listener) => relay.add('ringing', listener),
    onHangUp: (listener) => relay.add('hangUp', listener),
    onPeerList: (listener) => relay.add('peerList', listener),
    onPeerJoined: (listener) => relay.add('peerJoined', listener),
    onPeerLeft: (listener) => relay.add('peerLeft', listener),
    onConnectionStatus: (listener) => relay.add('connectionStatus', listener),
    onNetworkChange(listener) {
      // A browser names no addresses; coming back online is the change it can see.
      const onOnline = (): void => listener({ added: [], removed: [] });
      addEventListener('online', onOnline);
      return () => removeEventListener('online', onOnline);
    },

    listDisplaySources: () => Promise.reject(new CodedError('unsupported', DESKTOP_PICKER)),
    chooseDisplaySource: () => Promise.reject(new CodedError('unsupported', DESKTOP_PICKER)),
    openExternal(url) {
      const link = externalLink(url);
      if (!link) return Promise.reject(new CodedError('invalid-payload', `Not a web link: ${url}`));
      // A new tab that cannot reach back into this page, and is not told where it came from.
      window.open(link.href, '_blank', 'noopener,noreferrer');
      return Promise.resolve();
    },
    saveFileStart: () => Promise.reject(new CodedError('unsupported', DESKTOP_DOWNLOADS)),
    saveFileChunk: () => Promise.reject(new CodedError('unsupported', DESKTOP_DOWNLOADS)),
    saveFileEnd: () => Promise.reject(new CodedError('unsupported', DESKTOP_DOWNLOADS)),
  };
}
