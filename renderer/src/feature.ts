/**
 * What the call page gives each part of the call (devices, screen sharing, chat, files, the
 * quality panel, settings), and what each part hears back. app.ts creates them once and passes
 * them every call state and every data channel; each fills its own container of index.html.
 */
import type { SignalingBridge } from '../../common/bridge-api.js';
import type { PeerId } from '../../common/protocol.js';
import type { CallEngine, CallState } from './call-engine.js';
import type { PageElements } from './dom.js';
import type { MediaHolder } from './media.js';

export interface CallContext {
  ui: PageElements;
  bridge: SignalingBridge;
  engine: CallEngine;
  /** The camera and microphone of the call (opened on call or accept, closed after). */
  media: MediaHolder;
  /** A peer's display name. */
  nameOf(peer: PeerId): string;
  /** This user's own display name ('' before joining). */
  selfName(): string;
  /** Says something in the page's polite live region (screen readers read it). */
  announce(message: string): void;
  /** Shows an error in the page's alert region. */
  showError(message: string): void;
}

export interface Feature {
  /** The call changed phase (a new call starts with `calling` or `connecting`). */
  onCallState?(state: CallState): void;
  /** A data channel of the current call, opened by either side (call-engine.ts CALL_CHANNELS). */
  onChannel?(channel: RTCDataChannel, peer: PeerId): void;
}
