/**
 * The bridge between the call page and signaling: the one contract for the app's IPC.
 *
 * In the desktop app the preload implements it over IPC to main (which holds the Socket.IO
 * connection and the pinned certificate); in a browser, renderer/src/web-bridge.ts implements it
 * on socket.io-client. The renderer sees only this interface.
 *
 * Type-only: this module has no runtime code, so every process can import it.
 */
import type { BridgeErrorCode } from './errors.js';
import type {
  ErrorCode,
  HangUpReason,
  IceCandidate,
  PeerId,
  PeerEvent,
  PeerInfo,
  PeerList,
  RelayedAnswer,
  RelayedCandidate,
  RelayedHangUp,
  RelayedOffer,
  RelayedRinging,
  RoomId,
  SessionDescription,
} from './protocol.js';

export type { BridgeErrorCode };

/** Stops a listener. Calling it twice is harmless. */
export type Unsubscribe = () => void;

/** What a Host needs to tell guests. */
export interface HostInfo {
  /** `https://` URLs the server answers on, LAN addresses first. */
  urls: string[];
  port: number;
  /** SHA-256 fingerprint of the server certificate, `AB:CD:…` (95 characters). Public. */
  fingerprint: string;
  /** The room guests join. */
  room: RoomId;
  /**
   * One string to paste into Join or open in a browser: {@link publicUrl} when the router forwards
   * a port (guests on the internet need it), else the first URL, with the room, its key and the
   * fingerprint in the fragment (common/invite.ts). It admits whoever holds it.
   */
  invite: string;
  /** `https://<router's public address>:<forwarded port>`, while the router forwards a port. */
  publicUrl?: string;
  /** What became of asking the router to forward a port; absent when it was not asked. */
  portForwarding?: PortForwardingStatus;
}

/** The outcome of asking the home router (UPnP IGD or NAT-PMP) to forward the host's port. */
export interface PortForwardingStatus {
  /** `forwarded`: guests on the internet can reach {@link HostInfo.publicUrl}; else not. */
  state: 'forwarded' | 'unavailable';
  /** What happened, in words for the page: what is open, or why nothing is. */
  message: string;
}

/** The machine's usable addresses changed: ICE should restart now rather than time out. */
export interface NetworkChange {
  /** `interface/address` entries that appeared. */
  added: string[];
  /** `interface/address` entries that disappeared. */
  removed: string[];
}

/** How to host: the name the others see. */
export interface HostRequest {
  name: string;
  /**
   * Ask the home router (UPnP IGD, NAT-PMP) to forward a port to the embedded server while
   * hosting, so guests on the internet can join. Omitted: the settings' `forwardPort`.
   */
  forwardPort?: boolean;
}

/** How to reach a room: an invite (or server URL), the name to show, the certificate to trust. */
export interface JoinRequest {
  /** A whole invite (`https://host:port/#room=…&key=…&fp=…`), or `https://host:port`. */
  url: string;
  /** The name the others see. */
  name: string;
  /**
   * SHA-256 fingerprint to pin. Omitted: the invite's `fp` is used, else the pinned one; with none,
   * join fails `fingerprint-required` with the server's fingerprint so the user can decide.
   */
  fingerprint?: string;
  /**
   * The user chose to replace the pinned fingerprint with the given one. Without it, a given
   * fingerprint that differs from the pin fails `fingerprint-changed` and nothing is replaced.
   */
  replacePin?: boolean;
  /** Browser guests: the room and key from the page's own fragment. */
  room?: RoomId;
  key?: string;
}

/** The state of this client's connection to the signaling server, in words for the UI. */
export type ConnectionPhase = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface ConnectionStatus {
  phase: ConnectionPhase;
  /** Why the phase changed, when there is something to say (an error, a refused certificate). */
  detail?: string;
  /** The server's refusal code, when it refused the connection. */
  code?: ErrorCode;
  /**
   * This client as the room sees it, after each (re)connection. A reconnection keeps the id (the
   * client resumes it); only a refused resume (an expired token, a server with another
   * certificate) gives a new one.
   */
  self?: PeerInfo;
}

/** A live signaling session. */
export interface SessionInfo {
  mode: 'host' | 'join';
  /** This client as the room sees it. */
  self: PeerInfo;
  /** The room joined; `null` for a server's default room. */
  room: RoomId | null;
  /** The server URL this session is connected to. */
  url: string;
  /** The pinned certificate fingerprint; `null` for a browser, which checks certificates itself. */
  fingerprint: string | null;
  /** Present in host mode. */
  host?: HostInfo;
  /** Something the user should know that did not stop the session (a damaged trust file). */
  notice?: string;
}

/** A screen or window the desktop app can share, as its own picker shows it. */
export interface DisplaySource {
  /** Electron's `DesktopCapturerSource.id` (`screen:…` or `window:…`). */
  id: string;
  name: string;
  kind: 'screen' | 'window';
  /** A `data:image/png` thumbnail; empty when the system gave none. */
  thumbnail: string;
  /** Whether the system's sound can be shared with it (main knows what the OS allows). */
  systemAudio: boolean;
}

/** A file being received, before any byte of it is written. */
export interface IncomingFile {
  /** The name the sender gave; main makes it safe and unique in Downloads. */
  name: string;
  /** Bytes announced by the sender; writing more is refused. */
  size: number;
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
 * message and rejects with its cause (`<code>: words`, common/errors.ts).
 */
export interface SignalingBridge {
  /** `desktop` when running in the Appel app, `web` in a browser. */
  readonly platform: 'desktop' | 'web';
  /** Starts the embedded server with a fresh private room and joins it. Desktop only. */
  host(request: HostRequest): Promise<SessionInfo>;
  /** Issues a new key for the hosted room: the old invite stops admitting. Desktop only. */
  newInvite(): Promise<HostInfo>;
  /** Connects to a room, trusting exactly one certificate. */
  join(request: JoinRequest): Promise<SessionInfo>;
  /** Reads the certificate a server presents without trusting it. Desktop only. */
  probeCertificate(url: string): Promise<CertificateProbe>;
  /** Disconnects and, in host mode, stops the server. */
  leave(): Promise<void>;

  sendOffer(to: PeerId, offer: SessionDescription<'offer'>): Promise<void>;
  sendAnswer(to: PeerId, answer: SessionDescription<'answer'>): Promise<void>;
  sendCandidate(to: PeerId, candidate: IceCandidate): Promise<void>;
  /** Tells a caller that this app rings (the offer arrived and waits for Accept). */
  sendRinging(to: PeerId): Promise<void>;
  /** Ends a call, or refuses one with a reason (declined, busy, missed). */
  sendHangUp(to: PeerId, reason?: HangUpReason): Promise<void>;

  onOffer(listener: (event: RelayedOffer) => void): Unsubscribe;
  onAnswer(listener: (event: RelayedAnswer) => void): Unsubscribe;
  onCandidate(listener: (event: RelayedCandidate) => void): Unsubscribe;
  onRinging(listener: (event: RelayedRinging) => void): Unsubscribe;
  onHangUp(listener: (event: RelayedHangUp) => void): Unsubscribe;
  onPeerList(listener: (event: PeerList) => void): Unsubscribe;
  onPeerJoined(listener: (event: PeerInfo) => void): Unsubscribe;
  onPeerLeft(listener: (event: PeerEvent) => void): Unsubscribe;
  onConnectionStatus(listener: (status: ConnectionStatus) => void): Unsubscribe;
  /**
   * This machine's network changed (an address came or went). Desktop: main watches the
   * interfaces; web: the browser's `online` event, without addresses.
   */
  onNetworkChange(listener: (change: NetworkChange) => void): Unsubscribe;

  /**
   * Screens and windows to share, with thumbnails, for the app's own picker. Desktop only (a
   * browser has its own picker behind `getDisplayMedia`).
   */
  listDisplaySources(): Promise<DisplaySource[]>;
  /**
   * The user picked this source: the page's next `getDisplayMedia` (within a few seconds) gets it,
   * with system audio where the OS allows and `audio` asks for it. Desktop only.
   */
  chooseDisplaySource(id: string, audio: boolean): Promise<void>;
  /** Opens an `http(s)` link in the system browser (after the user clicked it). */
  openExternal(url: string): Promise<void>;
  /**
   * Starts writing a received file into Downloads (as `<name>.part` until it is kept); returns
   * the sink's id. Desktop only: a browser saves through a download.
   */
  saveFileStart(file: IncomingFile): Promise<string>;
  /** Appends bytes to a sink, in order. Rejects when the disk refuses (full, removed). */
  saveFileChunk(id: string, chunk: Uint8Array): Promise<void>;
  /**
   * Closes a sink. `keep`: the file is renamed to a unique name in Downloads and its path
   * returned; otherwise (cancelled, checksum mismatch) the partial file is deleted and `null`
   * returned.
   */
  saveFileEnd(id: string, keep: boolean): Promise<string | null>;
}

declare global {
  interface Window {
    /** Present only in the desktop app, set by the preload. */
    readonly appel?: SignalingBridge;
  }
}
