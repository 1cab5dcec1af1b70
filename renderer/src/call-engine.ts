/**
 * The call engine: one RTCPeerConnection per call, negotiated with the "perfect negotiation"
 * pattern (W3C WebRTC 1.0 §10.7, MDN), so that two peers calling each other at the same moment
 * end in one call. One call at a time.
 *
 * The callee decides: an incoming offer only rings. Until Accept no peer connection exists on the
 * callee's side, its camera and microphone stay closed and no answer is created; the caller is
 * told `call:ringing`, then declined, busy or missed (after {@link RING_TIMEOUT_MS}).
 *
 * A call whose path breaks recovers in place: when ICE fails, or stays disconnected past
 * {@link DISCONNECTED_RESTART_MS}, ICE restarts on the same RTCPeerConnection (new credentials,
 * fresh candidates and TURN allocations). One side drives restarts, the impolite one, so they
 * never cross; the other only answers. They are retried every {@link RESTART_INTERVAL_MS}, since
 * a path (a TURN server, a network) may come back later, until {@link RECOVERY_TIMEOUT_MS} ends
 * the call with a reason. Signaling may be down meanwhile: an offer that cannot be sent is made
 * again by the next restart.
 */
import type { SignalingBridge, Unsubscribe } from '../../common/bridge-api.js';
import type {
  HangUpReason,
  IceCandidate,
  PeerId,
  SessionDescription,
} from '../../common/protocol.js';

/** Where the call is, for the UI. */
export type CallPhase =
  | 'idle'
  /** We called; the other side has not rung yet. */
  | 'calling'
  /** We called and the other side's app rings. */
  | 'ringing'
  /** Someone calls us: Accept or Decline. */
  | 'incoming'
  | 'connecting'
  | 'in-call'
  | 'reconnecting'
  | 'ended'
  | 'failed';

export interface CallState {
  phase: CallPhase;
  /** The other side; `null` when idle. */
  peer: PeerId | null;
  /** Why the call ended or failed, in words. */
  detail?: string;
  /** Why the call ended or failed, for the page to say in its own language, when known. */
  reason?: CallEndReason;
}

/**
 * Why a call ended or failed; each has the English words of {@link CallState.detail}:
 * `you-hung-up`, `you-declined` (the call that rang), `missed` / `missed-they-left` (it rang
 * unanswered), `they-left` (left the room), `declined` / `busy` / `no-answer` / `hung-up` (the
 * other side's {@link HangUpReason}), `connect-timeout` ({@link CONNECT_TIMEOUT_MS}),
 * `connection-lost` ({@link RECOVERY_TIMEOUT_MS}).
 */
export type CallEndReason =
  | 'you-hung-up'
  | 'you-declined'
  | 'missed'
  | 'missed-they-left'
  | 'they-left'
  | 'declined'
  | 'busy'
  | 'no-answer'
  | 'hung-up'
  | 'connect-timeout'
  | 'connection-lost';

export interface CallEngineOptions {
  bridge: SignalingBridge;
  /**
   * Opens the camera/microphone stream to send; `null` receives only. Called when the user places
   * a call or accepts one, never for a call that only rings.
   */
  localMedia: () => Promise<MediaStream | null>;
  /** Closes what {@link localMedia} opened: called when no call needs it any more. */
  releaseMedia: () => void;
  /** The display name of a peer, for the words the engine reports. */
  nameOf: (peer: PeerId) => string;
  /**
   * STUN/TURN servers until {@link CallEngine.setIceServers} replaces them.
   * @default [] (host candidates only: enough on a LAN)
   */
  iceServers?: RTCIceServer[];
  onState: (state: CallState) => void;
  /** The other side's media, or `null` when the call is over. */
  onRemoteStream: (stream: MediaStream | null) => void;
  /** Something went wrong that the user should read. */
  onError: (message: string) => void;
  /**
   * A data channel of the current call opened by either side: the call's own
   * ({@link CALL_CHANNELS}, made by the caller with the first offer) and any opened later with
   * {@link CallEngine.openChannel} by the other side. Channels close with the call.
   */
  onChannel?: (channel: RTCDataChannel, peer: PeerId) => void;
}

/**
 * The data channels every Appel call has, made by the caller in its first offer so that the
 * call needs no renegotiation for them; a later channel (one per file) reuses their SCTP
 * association. A caller running the tutorial's plain page makes none: chat and files are then
 * unavailable in that call.
 */
export const CALL_CHANNELS = { chat: 'appel:chat', files: 'appel:files' } as const;

const KINDS = ['audio', 'video'] as const;
/** An incoming call rings this long, then ends as missed. */
export const RING_TIMEOUT_MS = 30_000;
/** A caller gives up a little after the callee's ring would have ended, in case it never rang. */
const NO_ANSWER_MS = RING_TIMEOUT_MS + 5_000;
/** An accepted call that has not connected by then is given up. */
export const CONNECT_TIMEOUT_MS = 30_000;
/** A call whose connection dropped ends if it is not back within this bound. */
export const RECOVERY_TIMEOUT_MS = 20_000;
/**
 * ICE `disconnected` this long is treated as broken: consent checks failed for seconds, which a
 * glitch does not do, and waiting for `failed` would take some 30 s.
 */
export const DISCONNECTED_RESTART_MS = 3_000;
/** While the call is not back, the driving side restarts ICE again this often. */
export const RESTART_INTERVAL_MS = 4_000;

/** Why a call the other side ended or never took is over. */
function endReason(reason: HangUpReason | undefined): CallEndReason {
  switch (reason) {
    case 'declined':
      return 'declined';
    case 'busy':
      return 'busy';
    case 'missed':
      return 'no-answer';
    default:
      return 'hung-up';
  }
}

/** The words for a call the other side ended or never took. */
function endWords(name: string, reason: HangUpReason | undefined): string {
  switch (reason) {
    case 'declined':
      return `${name} declined the call.`;
    case 'busy':
      return `${name} is in another call.`;
    case 'missed':
      return `${name} did not answer.`;
    default:
      return `${name} hung up.`;
  }
}

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
  private answered = false;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private recoveryTimer: ReturnType<typeof setTimeout> | undefined;
  /** The next ICE restart, while the driving side recovers the call. */
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  closed = false;

  constructor(
    readonly remoteId: PeerId,
    /** The polite peer yields when both offer at once. */
    private readonly polite: boolean,
    initiator: boolean,
    configuration: RTCConfiguration,
    private readonly options: CallEngineOptions,
    private readonly report: (state: CallState) => void,
    private readonly fail: (session: PeerSession, message: string, reason?: CallEndReason) => void,
  ) {
    // The callee has the offer already: what it waits for next is the connection itself.
    this.answered = !initiator;
    this.pc = new RTCPeerConnection(configuration);
    this.pc.onnegotiationneeded = () => void this.negotiate();
    this.pc.onicecandidate = ({ candidate }) => {
      // `null` marks the end of gathering; trickle ICE needs no message for it.
      if (candidate) this.sendCandidate(candidate);
    };
    this.pc.oniceconnectionstatechange = () => this.onIceState();
    this.pc.onconnectionstatechange = () => this.updatePhase();
    this.pc.ondatachannel = ({ channel }) => {
      if (!this.closed) options.onChannel?.(channel, remoteId);
    };
    this.pc.ontrack = ({ track, streams }) => {
      const stream = streams[0] ?? this.streamFor(track);
      if (!this.closed) options.onRemoteStream(stream);
    };
    // The caller waits for the callee to decide; the callee (who accepted) for the connection.
    if (initiator) {
      this.connectTimer = setTimeout(
        () => this.fail(this, endWords(options.nameOf(remoteId), 'missed'), 'no-answer'),
        NO_ANSWER_MS,
      );
    } else {
      this.startConnectTimer();
    }
    this.queue = this.addLocalMedia(initiator).catch((error: unknown) =>
      this.fail(this, `Could not start the call: ${messageOf(error)}`),
    );
  }

  private startConnectTimer(): void {
    clearTimeout(this.connectTimer);
    this.connectTimer = setTimeout(
      () =>
        this.fail(
          this,
          `Could not connect to ${this.options.nameOf(this.remoteId)} within ` +
            `${CONNECT_TIMEOUT_MS / 1000} s (a firewall or NAT may block the direct connection).`,
          'connect-timeout',
        ),
      CONNECT_TIMEOUT_MS,
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
    // In the same task as the tracks: one negotiation, one offer, carrying the channels too.
    for (const label of Object.values(CALL_CHANNELS)) {
      this.options.onChannel?.(this.pc.createDataChannel(label, { ordered: true }), this.remoteId);
    }
  }

  /**
   * Sends `track` in place of what this side sends of its kind (a device switch, a shared
   * screen): `replaceTrack` on the sender, no renegotiation, so the other side's picture never
   * stops. Only a call that sends nothing of that kind yet (no camera, a tutorial peer's offer)
   * renegotiates, to start sending. Runs after the local media was added.
   */
  replaceTrack(kind: MediaStreamTrack['kind'], track: MediaStreamTrack | null): Promise<void> {
    const run = this.queue.then(async () => {
      if (this.closed) return;
      const transceiver = this.pc
        .getTransceivers()
        .find((each) => each.currentDirection !== 'stopped' && each.receiver.track.kind === kind);
      if (transceiver?.sender.track || (transceiver && !track)) {
        await transceiver.sender.replaceTrack(track);
        return;
      }
      if (!track) return;
      const stream = new MediaStream([track]);
      if (transceiver) {
        transceiver.sender.setStreams(stream);
        await transceiver.sender.replaceTrack(track);
        // Was receive-only: now it sends too, which the other side learns by a new offer.
        transceiver.direction = 'sendrecv';
      } else {
        this.pc.addTrack(track, stream);
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
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
      this.signalingFailed(error);
    }
  }

  /**
   * A description could not be sent. Before the call connected that ends it; during the call
   * (signaling restarting, an ICE restart under way) the media may still flow, and the recovery
   * makes the offer again or runs out its bound.
   */
  private signalingFailed(error: unknown): void {
    if (this.wasConnected) console.warn('appel:call-engine signaling not delivered', error);
    else this.fail(this, messageOf(error));
  }

  async receiveDescription(description: SessionDescription): Promise<void> {
    if (this.closed) return;
    // The answer to an offer we withdrew (a restart made another) has nothing left to answer.
    if (description.type === 'answer' && this.pc.signalingState !== 'have-local-offer') return;
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
    if (description.type === 'answer' && !this.answered) {
      this.answered = true;
      this.startConnectTimer();
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
      .catch((error: unknown) => this.signalingFailed(error));
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

  /** Gathering after an ICE restart uses this (fresh TURN credentials, a new policy). */
  useConfiguration(change: Pick<RTCConfiguration, 'iceServers' | 'iceTransportPolicy'>): void {
    if (this.closed) return;
    const current = this.pc.getConfiguration();
    // Certificates cannot be set on a live connection; everything else is kept as it is.
    delete current.certificates;
    try {
      this.pc.setConfiguration({ ...current, ...change });
    } catch (error) {
      console.warn('appel:call-engine ICE servers not updated', error);
    }
  }

  /** Remote tracks sent without a stream are gathered into one. */
  private streamFor(track: MediaStreamTrack): MediaStream {
    this.fallbackStream ??= new MediaStream();
    this.fallbackStream.addTrack(track);
    return this.fallbackStream;
  }

  /** Whether this side drives ICE restarts: the impolite one, so restarts never cross. */
  private get drivesRecovery(): boolean {
    return !this.polite;
  }

  private onIceState(): void {
    const state = this.pc.iceConnectionState;
    if (state === 'connected' || state === 'completed') {
      clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
    } else if (this.drivesRecovery && this.wasConnected && this.restartTimer === undefined) {
      // Once recovering, the retries pace the restarts: a restart that fails fast waits its turn.
      if (state === 'failed') this.restartIce();
      else if (state === 'disconnected') {
        this.restartTimer = setTimeout(() => this.restartIce(), DISCONNECTED_RESTART_MS);
      }
    }
    this.updatePhase();
  }

  /**
   * This machine's network changed: its candidates may be gone, so ICE restarts now rather than
   * after checks fail. Either side may, for its own network; crossing restarts are glare, which
   * perfect negotiation settles. The driving side keeps retrying as in any recovery.
   */
  restartNow(): void {
    if (this.closed || !this.wasConnected) return;
    if (this.drivesRecovery) {
      this.restartIce();
      return;
    }
    this.enqueue(() => {
      if (!this.closed) this.pc.restartIce();
      return Promise.resolve();
    });
  }

  /** Restarts ICE on this connection, and again every {@link RESTART_INTERVAL_MS} until it is back. */
  private restartIce(): void {
    clearTimeout(this.restartTimer);
    if (this.closed) return;
    this.restartTimer = setTimeout(() => this.restartIce(), RESTART_INTERVAL_MS);
    this.enqueue(async () => {
      if (this.closed) return;
      // Our last offer was never answered (lost with signaling, or with the path): withdraw it,
      // so that this restart makes a fresh one rather than waiting for that answer.
      if (this.pc.signalingState === 'have-local-offer' && !this.makingOffer) {
        await this.pc.setLocalDescription({ type: 'rollback' });
      }
      this.pc.restartIce();
    });
  }

  private updatePhase(): void {
    if (this.closed) return;
    const state = this.pc.connectionState;
    if (state === 'connected') {
      this.wasConnected = true;
      clearTimeout(this.connectTimer);
      clearTimeout(this.recoveryTimer);
      this.recoveryTimer = undefined;
      this.report({ phase: 'in-call', peer: this.remoteId });
    } else if ((state === 'disconnected' || state === 'failed') && this.wasConnected) {
      // Reconnecting is bounded: the call comes back, or it ends with a reason.
      this.recoveryTimer ??= setTimeout(
        () =>
          this.fail(
            this,
            `The connection to ${this.options.nameOf(this.remoteId)} was lost and did not ` +
              `come back within ${RECOVERY_TIMEOUT_MS / 1000} s.`,
            'connection-lost',
          ),
        RECOVERY_TIMEOUT_MS,
      );
      this.report({ phase: 'reconnecting', peer: this.remoteId });
    } else if (state === 'connecting' && !this.wasConnected && this.answered) {
      this.report({ phase: 'connecting', peer: this.remoteId });
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.connectTimer);
    clearTimeout(this.recoveryTimer);
    clearTimeout(this.restartTimer);
    this.pc.onnegotiationneeded = null;
    this.pc.onicecandidate = null;
    this.pc.oniceconnectionstatechange = null;
    this.pc.onconnectionstatechange = null;
    this.pc.ontrack = null;
    this.pc.ondatachannel = null;
    this.pc.close();
  }
}

/** An offer that rings, waiting for Accept or Decline. */
interface IncomingCall {
  from: PeerId;
  offer: SessionDescription<'offer'>;
  candidates: IceCandidate[];
  timer: ReturnType<typeof setTimeout>;
}

/** Places, rings, answers and ends calls over a {@link SignalingBridge}. */
export class CallEngine {
  private selfId: PeerId | null = null;
  private iceServers: RTCIceServer[];
  private iceTransportPolicy: RTCIceTransportPolicy = 'all';
  private session: PeerSession | null = null;
  private incoming: IncomingCall | null = null;
  private readonly unsubscribes: Unsubscribe[];

  constructor(private readonly options: CallEngineOptions) {
    const { bridge } = options;
    this.iceServers = options.iceServers ?? [];
    this.unsubscribes = [
      bridge.onOffer(({ from, offer }) => this.onOffer(from, offer)),
      bridge.onAnswer(({ from, answer }) => {
        const session = this.sessionWith(from);
        session?.enqueue(() => session.receiveDescription(answer));
      }),
      bridge.onCandidate(({ from, candidate }) => {
        if (this.incoming?.from === from) this.incoming.candidates.push(candidate);
        const session = this.sessionWith(from);
        session?.enqueue(() => session.receiveCandidate(candidate));
      }),
      bridge.onRinging(({ from }) => {
        if (this.sessionWith(from) && this.phase === 'calling') {
          this.report({ phase: 'ringing', peer: from });
        }
      }),
      bridge.onHangUp(({ from, reason }) => this.onHangUp(from, reason)),
      bridge.onPeerLeft(({ id }) => {
        const name = this.options.nameOf(id);
        if (this.incoming?.from === id) {
          this.endIncoming(`Missed call from ${name} (they left).`, 'missed-they-left');
        }
        this.end(id, `${name} left.`, 'they-left');
      }),
    ];
  }

  private phase: CallPhase = 'idle';

  private report(state: CallState): void {
    this.phase = state.phase;
    this.options.onState(state);
  }

  /** Sets this client's id; the polite role in a collision depends on it. */
  setSelfId(id: PeerId | null): void {
    this.selfId = id;
  }

  /**
   * Replaces the STUN/TURN servers: each room welcome brings its own, with TURN credentials that
   * expire (a reconnection re-issues them). New calls use them, and so does the current call's
   * next ICE restart.
   */
  setIceServers(servers: RTCIceServer[]): void {
    this.iceServers = servers;
    this.session?.useConfiguration({ iceServers: servers });
  }

  /**
   * `relay` hides this machine's addresses from the other side (only TURN candidates are
   * gathered); `all` lets calls go direct. New calls use it, and so does the current call's next
   * ICE restart.
   */
  setIceTransportPolicy(policy: RTCIceTransportPolicy): void {
    this.iceTransportPolicy = policy;
    this.session?.useConfiguration({ iceTransportPolicy: policy });
  }

  /**
   * Restarts ICE on the current call at once (the machine's network changed), on the same
   * connection; nothing happens without a call that has connected.
   */
  restartIceNow(): void {
    this.session?.restartNow();
  }

  /**
   * Sends `track` instead of the current one of its kind in the current call, without
   * renegotiating when the call already sends that kind (see {@link PeerSession.replaceTrack}).
   * Resolves at once without a call.
   */
  replaceTrack(kind: MediaStreamTrack['kind'], track: MediaStreamTrack | null): Promise<void> {
    return this.session?.replaceTrack(kind, track) ?? Promise.resolve();
  }

  /**
   * Opens a data channel in the current call (for one file, say); the other side gets it through
   * its `onChannel`. `null` without a call, or in a call without data channels.
   */
  openChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel | null {
    const session = this.session;
    if (!session || session.closed || !session.pc.sctp) return null;
    return session.pc.createDataChannel(label, init);
  }

  /**
   * Whether the current call has data channels: `false` when the caller's offer had none (the
   * tutorial's plain page), `null` without a call or before offer and answer are both applied.
   */
  get carriesData(): boolean | null {
    const pc = this.session?.pc;
    if (!pc?.currentLocalDescription || !pc.currentRemoteDescription) return null;
    return pc.sctp !== null;
  }

  /** The current call's statistics, for the quality panel; `null` without a call. */
  async getStats(): Promise<RTCStatsReport | null> {
    const session = this.session;
    if (!session || session.closed) return null;
    return await session.pc.getStats();
  }

  /** The peer of the current call (or of the call that rings), if any. */
  get peer(): PeerId | null {
    return this.session?.remoteId ?? this.incoming?.from ?? null;
  }

  /** Calls a peer; throws an `Error` with a message for the user when the call cannot start. */
  call(peer: PeerId): void {
    if (!this.selfId) throw new Error('Not connected to a signaling server yet.');
    if (peer === this.selfId) throw new Error('You cannot call yourself.');
    if (this.session?.remoteId === peer) return;
    if (this.session || this.incoming) {
      throw new Error(`Already in a call with ${this.options.nameOf(this.peer!)}: hang up first.`);
    }
    this.open(peer, true);
    this.report({ phase: 'calling', peer });
  }

  /** Takes the call that rings: only now are the camera and microphone opened and answered. */
  accept(): void {
    const incoming = this.incoming;
    if (!incoming) return;
    clearTimeout(incoming.timer);
    this.incoming = null;
    const session = this.open(incoming.from, false);
    this.report({ phase: 'connecting', peer: incoming.from });
    session.enqueue(() => session.receiveDescription(incoming.offer));
    for (const candidate of incoming.candidates) {
      session.enqueue(() => session.receiveCandidate(candidate));
    }
  }

  /** Refuses the call that rings; the caller is told it was declined. */
  decline(): void {
    const incoming = this.incoming;
    if (!incoming) return;
    this.signalEnd(incoming.from, 'declined');
    this.endIncoming(
      `You declined the call from ${this.options.nameOf(incoming.from)}.`,
      'you-declined',
    );
  }

  /** Ends the current call (or declines the one that rings) and tells the other side. */
  hangUp(): void {
    if (this.incoming) {
      this.decline();
      return;
    }
    const session = this.session;
    if (!session) return;
    this.signalEnd(session.remoteId);
    this.close(session, {
      phase: 'ended',
      peer: session.remoteId,
      detail: 'You hung up.',
      reason: 'you-hung-up',
    });
  }

  dispose(): void {
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    if (this.incoming) this.endIncoming('');
    if (this.session) this.close(this.session, { phase: 'idle', peer: null });
  }

  private signalEnd(peer: PeerId, reason?: HangUpReason): void {
    this.options.bridge
      .sendHangUp(peer, reason)
      .catch((error: unknown) => console.warn('appel:call-engine hang-up not delivered', error));
  }

  private open(peer: PeerId, initiator: boolean): PeerSession {
    const polite = (this.selfId ?? '') < peer;
    const session = new PeerSession(
      peer,
      polite,
      initiator,
      { iceServers: this.iceServers, iceTransportPolicy: this.iceTransportPolicy },
      this.options,
      (state) => {
        if (this.session !== session) return;
        // Before the callee answers, the caller's state is its ring, not the transport's.
        if (state.phase === 'connecting' && ['calling', 'ringing'].includes(this.phase)) return;
        this.report(state);
      },
      (failed, message, reason) => {
        if (this.session !== failed) return;
        this.signalEnd(failed.remoteId);
        // A failure with a known reason is said by the page, in its language, from the state.
        if (!reason) this.options.onError(message);
        this.close(failed, { phase: 'failed', peer: failed.remoteId, detail: message, reason });
      },
    );
    this.session = session;
    return session;
  }

  private onOffer(from: PeerId, offer: SessionDescription<'offer'>): void {
    if (!this.selfId) return;
    const session = this.sessionWith(from);
    if (session) {
      // Renegotiation or an ICE restart within the call.
      session.enqueue(() => session.receiveDescription(offer));
      return;
    }
    if (this.incoming?.from === from) {
      this.incoming.offer = offer;
      return;
    }
    if (this.session || this.incoming) {
      // One call at a time: the newcomer hears "busy" and nothing else happens here.
      this.signalEnd(from, 'busy');
      return;
    }
    this.incoming = {
      from,
      offer,
      candidates: [],
      timer: setTimeout(() => {
        this.signalEnd(from, 'missed');
        this.endIncoming(`Missed call from ${this.options.nameOf(from)}.`, 'missed');
      }, RING_TIMEOUT_MS),
    };
    this.options.bridge
      .sendRinging(from)
      .catch((error: unknown) => console.warn('appel:call-engine ringing not delivered', error));
    this.report({ phase: 'incoming', peer: from });
  }

  private onHangUp(from: PeerId, reason: HangUpReason | undefined): void {
    if (this.incoming?.from === from) {
      this.endIncoming(`Missed call from ${this.options.nameOf(from)}.`, 'missed');
      return;
    }
    this.end(from, endWords(this.options.nameOf(from), reason), endReason(reason));
  }

  private endIncoming(detail: string, reason?: CallEndReason): void {
    const incoming = this.incoming;
    if (!incoming) return;
    clearTimeout(incoming.timer);
    this.incoming = null;
    this.report({ phase: 'ended', peer: incoming.from, detail, reason });
  }

  private sessionWith(peer: PeerId): PeerSession | null {
    return this.session?.remoteId === peer ? this.session : null;
  }

  private end(peer: PeerId, detail: string, reason: CallEndReason): void {
    const session = this.sessionWith(peer);
    if (session) this.close(session, { phase: 'ended', peer, detail, reason });
  }

  private close(session: PeerSession, state: CallState): void {
    session.close();
    if (this.session !== session) return;
    this.session = null;
    // No call needs the camera and microphone any more: their capture ends (the light goes off).
    this.options.releaseMedia();
    this.options.onRemoteStream(null);
    this.report(state);
  }
}
