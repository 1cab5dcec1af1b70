/**
 * IPC channel names and the payload each carries, derived from {@link SignalingBridge}.
 * The preload's invokes and main's handlers are both typed from these maps, so a changed
 * bridge method fails to compile on both sides.
 */
import type {
  RelayedAnswer,
  RelayedCandidate,
  RelayedHangUp,
  RelayedOffer,
  RelayedRinging,
  PeerEvent,
  PeerInfo,
  PeerList,
} from './protocol.js';
import type { ConnectionStatus, NetworkChange, SignalingBridge } from './bridge-api.js';

/** Request/response channels (`ipcRenderer.invoke` → `ipcMain.handle`), one per bridge method. */
export const InvokeChannels = {
  host: 'appel:host',
  newInvite: 'appel:new-invite',
  join: 'appel:join',
  probeCertificate: 'appel:probe-certificate',
  leave: 'appel:leave',
  sendOffer: 'appel:send-offer',
  sendAnswer: 'appel:send-answer',
  sendCandidate: 'appel:send-candidate',
  sendRinging: 'appel:send-ringing',
  sendHangUp: 'appel:send-hang-up',
  listDisplaySources: 'appel:list-display-sources',
  chooseDisplaySource: 'appel:choose-display-source',
  openExternal: 'appel:open-external',
  saveFileStart: 'appel:save-file-start',
  saveFileChunk: 'appel:save-file-chunk',
  saveFileEnd: 'appel:save-file-end',
} as const satisfies Partial<Record<keyof SignalingBridge, string>>;

export type InvokeMethod = keyof typeof InvokeChannels;

/** The invokes served by main's session controller (signaling); the rest are desktop services. */
export const SESSION_METHODS = [
  'host',
  'newInvite',
  'join',
  'probeCertificate',
  'leave',
  'sendOffer',
  'sendAnswer',
  'sendCandidate',
  'sendRinging',
  'sendHangUp',
] as const satisfies readonly InvokeMethod[];
export type SessionMethod = (typeof SESSION_METHODS)[number];
/** Screen picking, links and received files: served by main's own modules, not the session. */
export type ServiceMethod = Exclude<InvokeMethod, SessionMethod>;
export type InvokeChannel = (typeof InvokeChannels)[InvokeMethod];

/** Arguments and result of each invoke, taken from the bridge method of the same name. */
export type InvokeArgs<M extends InvokeMethod> = Parameters<SignalingBridge[M]>;
export type InvokeResult<M extends InvokeMethod> = Awaited<ReturnType<SignalingBridge[M]>>;

/** Events pushed from main (`webContents.send` → `ipcRenderer.on`). */
export const EventChannels = {
  offer: 'appel:on-offer',
  answer: 'appel:on-answer',
  candidate: 'appel:on-candidate',
  ringing: 'appel:on-ringing',
  hangUp: 'appel:on-hang-up',
  peerList: 'appel:on-peer-list',
  peerJoined: 'appel:on-peer-joined',
  peerLeft: 'appel:on-peer-left',
  connectionStatus: 'appel:on-connection-status',
  networkChange: 'appel:on-network-change',
} as const;

/** The payload of each pushed event. */
export interface EventPayloads {
  offer: RelayedOffer;
  answer: RelayedAnswer;
  candidate: RelayedCandidate;
  ringing: RelayedRinging;
  hangUp: RelayedHangUp;
  peerList: PeerList;
  peerJoined: PeerInfo;
  peerLeft: PeerEvent;
  connectionStatus: ConnectionStatus;
  networkChange: NetworkChange;
}
export type EventName = keyof typeof EventChannels;

/** Every pushed event, in the order of {@link EventChannels}. */
export const EVENT_NAMES = Object.keys(EventChannels) as EventName[];
