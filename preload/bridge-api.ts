/**
 * The bridge between the call page and signaling: the one contract for the app's IPC.
 *
 * In the desktop app the preload implements it over IPC to main (which holds the Socket.IO
 * connection and the pinned certificate); in a browser, renderer/src/web-bridge.ts implements it
 * on socket.io-client. The renderer sees only this interface.
 *
 * Type-only: this module has no runtime code, so every process can import it.
 */
import type {
  IceCandidate,
  PeerId,
  PeerEvent,
  PeerList,
  RelayedAnswer,
  RelayedCandidate,
  RelayedHangUp,
  RelayedOffer,
  SessionDescription,
} from '../signaling-server/protocol.js';

/**
 * Why a bridge method failed, when the page must do more than show the message: the rejection's
 * message then starts with `<code>: `.
 * - `fingerprint-required`: join was given no fingerprint and none is pinned for that server; the
 *   page may probe the certificate and ask the user to trust it. Any other join failure (a
 *   certificate that differs from the pinned one above all) is shown, never turned into a prompt.
 */
export type BridgeErrorCode = 'fingerprint-required';

/** Stops a listener. Calling it twice is harmless. */
export type Unsubscribe = () => void;

/** What a Host needs to tell guests. */
export interface HostInfo {
  /** `https://` URLs the server answers on, LAN addresses first. */
  urls: string[];
  port: number;
  /** SHA-256 fingerprint of the server certificate, `AB:CD:…` (95 characters). */
  fingerprint: string;
  /** One string to paste into Join (or open in a browser): the first URL with `#fp=<fingerprint>`. */
  invite: string;
}

/** How to reach a server: its URL and the certificate fingerprint to trust. */
export interface JoinRequest {
  /** `https://host:port`, or a whole invite (`https://host:port/#fp=…`). */
  url: string;
  /**
   * SHA-256 fingerprint to pin. Omitted: the invite's `#fp=` is used; with neither, join fails with
   * a message carrying the server's fingerprint so the user can decide to trust it.
   */
  fingerprint?: string;
}

/** The state of this client's connection to the signaling server, in words for the UI. */
export type ConnectionPhase = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface ConnectionStatus {
  phase: ConnectionPhase;
  /** Why the phase changed, when there is something to say (an error, a refused certificate). */
  detail?: string;
  /**
   * This client's peer id, when a (re)connection gave it one: a reconnection gets a new id from
   * `newUser`, which the page must show instead of the old one.
   */
  selfId?: PeerId;
}

/** A live signaling session. */
export interface SessionInfo {
  mode: 'host' | 'join';
  /** This client's peer id on the server. */
  selfId: PeerId;
  /** The server URL this session is connected to. */
  url: string;
  /** The pinned certificate fingerprint; `null` for a browser, which checks certificates itself. */
  fingerprint: string | null;
  /** Present in host mode. */
  host?: HostInfo;
}

/** The certificate a server presents, learned before trusting it (trust on first use). */
export interface CertificateProbe {
  url: string;
  fingerprint: string;
  subject: string;
  validTo: string;
}

/**
 * Signaling as the call page sees it. Every `send*` resolves when the server acknowledged the
 * message and rejects with the server's error message (unknown peer, invalid payload…).
 */
export interface SignalingBridge {
  /** `desktop` when running in the Appel app, `web` in a browser. */
  readonly platform: 'desktop' | 'web';
  /** Starts the embedded server and joins it. Desktop only. */
  host(): Promise<SessionInfo>;
  /** Connects to a server, trusting exactly the given certificate. */
  join(request: JoinRequest): Promise<SessionInfo>;
  /** Reads the certificate a server presents without trusting it. Desktop only. */
  probeCertificate(url: string): Promise<CertificateProbe>;
  /** Disconnects and, in host mode, stops the server. */
  leave(): Promise<void>;

  sendOffer(to: PeerId, offer: SessionDescription<'offer'>): Promise<void>;
  sendAnswer(to: PeerId, answer: SessionDescription<'answer'>): Promise<void>;
  sendCandidate(to: PeerId, candidate: IceCandidate): Promise<void>;
  sendHangUp(to: PeerId): Promise<void>;

  onOffer(listener: (event: RelayedOffer) => void): Unsubscribe;
  onAnswer(listener: (event: RelayedAnswer) => void): Unsubscribe;
  onCandidate(listener: (event: RelayedCandidate) => void): Unsubscribe;
  onHangUp(listener: (event: RelayedHangUp) => void): Unsubscribe;
  onPeerList(listener: (event: PeerList) => void): Unsubscribe;
  onPeerJoined(listener: (event: PeerEvent) => void): Unsubscribe;
  onPeerLeft(listener: (event: PeerEvent) => void): Unsubscribe;
  onConnectionStatus(listener: (status: ConnectionStatus) => void): Unsubscribe;
}

declare global {
  interface Window {
    /** Present only in the desktop app, set by the preload. */
    readonly appel?: SignalingBridge;
  }
}
