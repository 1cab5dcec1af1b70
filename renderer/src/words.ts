/** What the page says about connections, calls and refusals, in one place, from the catalogue. */
import type { ConnectionStatus } from '../../common/bridge-api.js';
import { errorCodeOf, errorWords, type BridgeErrorCode } from '../../common/errors.js';
import { DEFAULT_LIMITS, validateDisplayName, type PeerId } from '../../common/protocol.js';
import {
  CONNECT_TIMEOUT_MS,
  RECOVERY_TIMEOUT_MS,
  type CallEndReason,
  type CallState,
} from './call-engine.js';
import { t, type StringKey } from './i18n.js';

const PHASE_KEYS: Record<ConnectionStatus['phase'], StringKey> = {
  idle: 'core.phaseIdle',
  connecting: 'core.phaseConnecting',
  connected: 'core.phaseConnected',
  reconnecting: 'core.phaseReconnecting',
  closed: 'core.phaseClosed',
};

/** Words followed by the raw detail (the server's, the OS's) in parentheses, when there is one. */
export function withDetail(words: string, detail: string | undefined): string {
  return detail ? `${words} (${detail})` : words;
}

/** The connection to the signaling server, in words. */
export function phaseWords(status: ConnectionStatus): string {
  return withDetail(t(PHASE_KEYS[status.phase]), status.detail);
}

const END_KEYS: Record<CallEndReason, StringKey> = {
  'you-hung-up': 'core.endYouHungUp',
  'you-declined': 'core.endYouDeclined',
  missed: 'core.endMissed',
  'missed-they-left': 'core.endMissedTheyLeft',
  'they-left': 'core.endTheyLeft',
  declined: 'core.endDeclined',
  busy: 'core.endBusy',
  'no-answer': 'core.endNoAnswer',
  'hung-up': 'core.endHungUp',
  'connect-timeout': 'core.endConnectTimeout',
  'connection-lost': 'core.endConnectionLost',
};

/** Why the call ended or failed: the engine's reason in the page's words, else its own words. */
function endDetail(state: CallState, name: string): string | undefined {
  if (!state.reason) return state.detail;
  const seconds =
    state.reason === 'connect-timeout' ? CONNECT_TIMEOUT_MS / 1000 : RECOVERY_TIMEOUT_MS / 1000;
  return t(END_KEYS[state.reason], { name, seconds });
}

export function callWords(state: CallState, nameOf: (peer: PeerId) => string): string {
  const name = state.peer ? nameOf(state.peer) : '';
  const detail = endDetail(state, name);
  switch (state.phase) {
    case 'idle':
      return t('core.callIdle');
    case 'calling':
      return t('core.callCalling', { name });
    case 'ringing':
      return t('core.callRinging', { name });
    case 'incoming':
      return t('core.callIncoming', { name });
    case 'connecting':
      return t('core.callConnecting', { name });
    case 'in-call':
      return t('core.callInCall', { name });
    case 'reconnecting':
      return t('core.callReconnecting', { name });
    case 'ended':
      return detail ? t('core.callEndedWhy', { detail }) : t('core.callEnded');
    case 'failed':
      return t('core.callFailed', { detail: detail ?? t('core.unknownError') });
  }
}

const ERROR_KEYS: Record<BridgeErrorCode, StringKey> = {
  'invalid-payload': 'core.errorInvalidPayload',
  'unknown-peer': 'core.errorUnknownPeer',
  'too-large': 'core.errorTooLarge',
  'rate-limited': 'core.errorRateLimited',
  forbidden: 'core.errorForbidden',
  unauthorized: 'core.errorUnauthorized',
  'server-full': 'core.errorServerFull',
  'too-many-connections': 'core.errorTooManyConnections',
  'room-full': 'core.errorRoomFull',
  'going-away': 'core.errorGoingAway',
  internal: 'core.errorInternal',
  'fingerprint-required': 'core.errorFingerprintRequired',
  'fingerprint-changed': 'core.errorFingerprintChanged',
  timeout: 'core.errorTimeout',
  disconnected: 'core.errorDisconnected',
  unsupported: 'core.errorUnsupported',
  disk: 'core.errorDisk',
};

/**
 * An error in words: a known code gets the catalogue's sentence, with the error's own words (the
 * server's or main's, in English) as its detail; an error without a code is shown as it is.
 */
export function errorSentence(error: unknown): string {
  const code = errorCodeOf(error);
  const detail = errorWords(error);
  return code ? t(ERROR_KEYS[code], { detail }) : detail;
}

/** Why joining failed, in words: the server's refusal codes get a sentence of their own. */
export function joinFailureWords(error: unknown): string {
  const detail = errorWords(error);
  switch (errorCodeOf(error)) {
    case 'unauthorized':
      return t('core.joinUnauthorized', { detail });
    case 'rate-limited':
      return t('core.joinRateLimited', { detail });
    case 'forbidden':
      return t('core.joinForbidden', { detail });
    default:
      return errorSentence(error);
  }
}

/**
 * Why validateDisplayName refused what was typed, in the page's words: the protocol's reasons
 * are an empty name, one too long, or characters a name may not hold.
 */
export function nameProblemWords(typed: string): string {
  if (typed.trim() === '') return t('core.nameEmpty');
  // Without the length limit the name passes: its length was the problem.
  if (validateDisplayName(typed, { maxNameLength: Infinity }).ok) {
    return t('core.nameTooLong', { max: DEFAULT_LIMITS.maxNameLength });
  }
  return t('core.nameForbidden');
}
