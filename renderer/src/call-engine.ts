/**
 * The call engine: one RTCPeerConnection per call, negotiated with the "perfect negotiation"
 * pattern (W3C WebRTC 1.0 §10.7, MDN), so that two peers calling each other at the same moment
 * end in one call. v0 holds one call at a time; the callee answers incoming offers on its own.
 */
import type { SignalingBridge, Unsubscribe } from '../../preload/bridge-api.js';
import type { IceCandidate, PeerId, SessionDescription } from '../../signaling-server/protocol.js';

/** Where the call is, for the UI. */
export type CallPhase = 'idle' | 'connecting' | 'in-call' | 'reconnecting' | 'ended' | 'failed';

export interface CallState {
  phase: CallPhase;
  /** The other side; `null` when idle. */
  peer: PeerId | null;
  /** Why the call ended or failed, in words. */
  detail?: string;
}

export interface CallEngineOptions {
  bridge: SignalingBridge;
  /** The camera/microphone stream to send; `null` receives only. Awaited before each call. */
  localMedia: () => Promise<MediaStream | null>;
  /**
   * STUN/TURN servers.
   * @default [] (host candidates only: enough on a LAN)
   */
  iceServers?: RTCIceServer[];
  onState: (state: CallState) => void;
  /** The other side's media, or `null` when the call is over. */
  onRemoteStream: (stream: MediaStream | null) => void;
  /** Something went wrong that the user should read. */
  onError: (message: string) => void;
}

const KINDS = ['audio', 'video'] as const;
/** A call that has not connected by then is given up (and a zombie call cannot linger). */
const CONNECT_TIMEOUT_MS = 30_000;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One RTCPeerConnection with one remote peer and its perfect-negotiation state. */
class PeerSession {
  readonly pc: RTCPeerConnection;
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswer = false;
  /** Candidates that arrived before any remote description. */
  private pendingCandidates: IceCandidate[] = [];
  /** Incoming signaling, applied one message at a time, after the local tracks are added. */
  private queue: Promise<void>;
  private fallbackStream: MediaStream | null = null;
  private wasConnected = false;
  private readonly connectTimer: ReturnType<typeof setTimeout>;
  closed = false;

  constructor(
    readonly remoteId: PeerId,
    /** The polite peer yields when both offer at once. */
    private readonly polite: boolean,
    initiator: boolean,
    private readonly options: CallEngineOptions,
    private readonly report: (state: CallState) => void,
    private readonly fail: (session: PeerSession, message: string) => void,
  ) {
    this.pc = new RTCPeerConnection({ iceServers: options.iceServers ?? [] });
    this.pc.onnegotiationneeded = () => void this.negotiate();
    this.pc.onicecandidate = ({ candidate }) => {
      // `null` marks the end of gathering; trickle ICE needs no message for it.
      if (candidate) this.sendCandidate(candidate);
    };
    this.pc.oniceconnectionstatechange = () => {
      if (this.pc.iceConnectionState === 'failed') this.pc.restartIce();
      this.updatePhase();
    };
    this.pc.onconnectionstatechange = () => this.updatePhase();
    this.pc.ontrack = ({ track, streams }) => {
      const stream = streams[0] ?? this.streamFor(track);
      if (!this.closed) options.onRemoteStream(stream);
    };
    this.connectTimer = setTimeout(
      () =>
        this.fail(
          this,
          `Could not connect to ${remoteId} within ${CONNECT_TIMEOUT_MS / 1000} s ` +
            '(a firewall or NAT may block the direct connection).',
        ),
      CONNECT_TIMEOUT_MS,
    );
    this.queue = this.addLocalMedia(initiator).catch((error: unknown) =>
      this.fail(this, `Could not start the call: ${messageOf(error)}`),
    );
  }

  /** Applies one incoming description or candidate after everything received before it. */
  enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((error: unknown) => {
      if (!this.closed) this.options.onError(`Call with ${this.remoteId}: ${messageOf(error)}`);
    });
  }

  /**
   * Tracks are added before any remote offer is applied, so the offer's m-lines reuse their
   * transceivers (JSEP §5.10). The caller also asks to receive the kinds it cannot send.
   */
  private async addLocalMedia(initiator: boolean): Promise<void> {
    const stream = await this.options.localMedia();
    if (this.closed) return;
    const tracks = stream?.getTracks() ?? [];
    for (const track of tracks) this.pc.addTrack(track, stream!);
    if (!initiator) return;
    for (const kind of KINDS) {
      if (!tracks.some((track) => track.kind === kind)) {
        this.pc.addTransceiver(kind, { direction: 'recvonly' });
      }
    }
  }

  private async negotiate(): Promise<void> {
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
    } catch (error) {
      if (!this.closed) this.options.onError(`Could not create an offer: ${messageOf(error)}`);
      return;
    } finally {
      this.makingOffer = false;
    }
    const offer = this.pc.localDescription;
    // A remote offer may have rolled ours back (glare); only a pending offer of ours is sent.
    if (this.closed || offer?.type !== 'offer') return;
    try {
      await this.options.bridge.sendOffer(this.remoteId, { type: 'offer', sdp: offer.sdp });
    } catch (error) {
      this.fail(this, messageOf(error));
    }
  }

  async receiveDescription(description: SessionDescription): Promise<void> {
    if (this.closed) return;
    const readyForOffer =
      !this.makingOffer && (this.pc.signalingState === 'stable' || this.settingRemoteAnswer);
    const collision = description.type === 'offer' && !readyForOffer;
    this.ignoreOffer = !this.polite && collision;
    if (this.ignoreOffer) return;
    this.settingRemoteAnswer = description.type === 'answer';
    try {
      // On collision the polite peer's pending offer is rolled back implicitly.
      await this.pc.setRemoteDescription(description);
    } finally {
      this.settingRemoteAnswer = false;
    }
    const pending = this.pendingCandidates;
    this.pendingCandidates = [];
    for (const candidate of pending) await this.receiveCandidate(candidate);
    if (description.type !== 'offer') return;
    await this.pc.setLocalDescription();
    const answer = this.pc.localDescription;
    if (this.closed || answer?.type !== 'answer') return;
    this.options.bridge
      .sendAnswer(this.remoteId, { type: 'answer', sdp: answer.sdp })
      .catch((error: unknown) => this.fail(this, messageOf(error)));
  }

  async receiveCandidate(candidate: IceCandidate): Promise<void> {
    if (this.closed) return;
    if (!this.pc.remoteDescription) {
      this.pendingCandidates.push(candidate);
      return;
    }
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (error) {
      // Candidates for an offer we ignored, or from a rolled-back one, are expected to fail.
      if (!this.ignoreOffer) console.warn('appel:call-engine candidate rejected', error);
    }
  }

  private sendCandidate(candidate: RTCIceCandidate): void {
    const { sdpMid, sdpMLineIndex, usernameFragment } = candidate;
    this.options.bridge
      .sendCandidate(this.remoteId, {
        candidate: candidate.candidate,
        sdpMid,
        sdpMLineIndex,
        usernameFragment,
      })
      .catch((error: unknown) => console.warn('appel:call-engine candidate not sent', error));
  }

  /** Remote tracks sent without a stream are gathered into one. */
  private streamFor(track: MediaStreamTrack): MediaStream {
    this.fallbackStream ??= new MediaStream();
    this.fallbackStream.addTrack(track);
    return this.fallbackStream;
  }

  private updatePhase(): void {
    if (this.closed) return;
    const state = this.pc.connectionState;
    if (state === 'connected') {
      this.wasConnected = true;
      clearTimeout(this.connectTimer);
      this.report({ phase: 'in-call', peer: this.remoteId });
    } else if (state === 'disconnected' || state === 'failed') {
      this.report({ phase: 'reconnecting', peer: this.remoteId });
    } else if (state === 'connecting' && !this.wasConnected) {
      this.report({ phase: 'connecting', peer: this.remoteId });
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.connectTimer);
    this.pc.onnegotiationneeded = null;
    this.pc.onicecandidate = null;
    this.pc.oniceconnectionstatechange = null;
    this.pc.onconnectionstatechange = null;
    this.pc.ontrack = null;
    this.pc.close();
  }
}

/** Places, answers and ends calls over a {@link SignalingBridge}. */
export class CallEngine {
  private selfId: PeerId | null = null;
  private session: PeerSession | null = null;
  private readonly unsubscribes: Unsubscribe[];

  constructor(private readonly options: CallEngineOptions) {
    const { bridge } = options;
    this.unsubscribes = [
      bridge.onOffer(({ from, offer }) => this.onOffer(from, offer)),
      bridge.onAnswer(({ from, answer }) => {
        const session = this.sessionWith(from);
        session?.enqueue(() => session.receiveDescription(answer));
      }),
      bridge.onCandidate(({ from, candidate }) => {
        const session = this.sessionWith(from);
        session?.enqueue(() => session.receiveCandidate(candidate));
      }),
      bridge.onHangUp(({ from }) => this.end(from, `${from} hung up.`)),
      bridge.onPeerLeft(({ id }) => this.end(id, `${id} left.`)),
    ];
  }

  /** Sets this client's id; the polite role in a collision depends on it. */
  setSelfId(id: PeerId | null): void {
    this.selfId = id;
  }

  /** The peer of the current call, if any. */
  get peer(): PeerId | null {
    return this.session?.remoteId ?? null;
  }

  /** Calls a peer; throws an `Error` with a message for the user when the call cannot start. */
  call(peer: PeerId): void {
    const id = peer.trim();
    if (!this.selfId) throw new Error('Not connected to a signaling server yet.');
    if (id === '') throw new Error('Enter the id of the person to call.');
    if (id === this.selfId) throw new Error('That is your own id: enter the other person’s id.');
    if (this.session?.remoteId === id) return;
    if (this.session) {
      throw new Error(`Already in a call with ${this.session.remoteId}: hang up first.`);
    }
    this.open(id, true);
  }

  /** Ends the current call and tells the other side. */
  hangUp(): void {
    const session = this.session;
    if (!session) return;
    this.options.bridge
      .sendHangUp(session.remoteId)
      .catch((error: unknown) => console.warn('appel:call-engine hang-up not delivered', error));
    this.close(session, { phase: 'ended', peer: session.remoteId, detail: 'You hung up.' });
  }

  dispose(): void {
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    if (this.session) this.close(this.session, { phase: 'idle', peer: null });
  }

  private open(peer: PeerId, initiator: boolean): PeerSession {
    const polite = (this.selfId ?? '') < peer;
    const session = new PeerSession(
      peer,
      polite,
      initiator,
      this.options,
      (state) => {
        if (this.session === session) this.options.onState(state);
      },
      (failed, message) => {
        if (this.session !== failed) return;
        this.options.onError(message);
        this.close(failed, { phase: 'failed', peer: failed.remoteId, detail: message });
      },
    );
    this.session = session;
    this.options.onState({ phase: 'connecting', peer });
    return session;
  }

  private onOffer(from: PeerId, offer: SessionDescription<'offer'>): void {
    if (!this.selfId) return;
    if (this.session && this.session.remoteId !== from) {
      // One call at a time: the newcomer is told the call is over before it starts.
      this.options.bridge
        .sendHangUp(from)
        .catch((error: unknown) => console.warn('appel:call-engine busy signal lost', error));
      return;
    }
    const session = this.session ?? this.open(from, false);
    session.enqueue(() => session.receiveDescription(offer));
  }

  private sessionWith(peer: PeerId): PeerSession | null {
    return this.session?.remoteId === peer ? this.session : null;
  }

  private end(peer: PeerId, detail: string): void {
    const session = this.sessionWith(peer);
    if (session) this.close(session, { phase: 'ended', peer, detail });
  }

  private close(session: PeerSession, state: CallState): void {
    session.close();
    if (this.session !== session) return;
    this.session = null;
    this.options.onRemoteStream(null);
    this.options.onState(state);
  }
}
