/** What the page says about connections, calls and refusals, in one place. */
import type { ConnectionStatus } from '../../common/bridge-api.js';
import { errorCodeOf, errorWords } from '../../common/errors.js';
import type { PeerId } from '../../common/protocol.js';
import type { CallState } from './call-engine.js';

export const PHASE_WORDS: Record<ConnectionStatus['phase'], string> = {
  idle: 'Not connected',
  connecting: 'Connecting to the server…',
  connected: 'Connected to the server',
  reconnecting: 'Connection lost, retrying…',
  closed: 'Disconnected',
};

export function callWords(state: CallState, nameOf: (peer: PeerId) => string): string {
  const name = state.peer ? nameOf(state.peer) : '';
  switch (state.phase) {
    case 'idle':
      return 'No call';
    case 'calling':
      return `Calling ${name}…`;
    case 'ringing':
      return `Ringing ${name}…`;
    case 'incoming':
      return `${name} is calling you`;
    case 'connecting':
      return `Connecting… (call with ${name})`;
    case 'in-call':
      return `In call with ${name}`;
    case 'reconnecting':
      return `Connection lost, reconnecting… (call with ${name})`;
    case 'ended':
      return `Call ended. ${state.detail ?? ''}`.trim();
    case 'failed':
      return `Call failed: ${state.detail ?? 'unknown error'}`;
  }
}

/** Why joining failed, in words: the server's refusal codes get a sentence of their own. */
export function joinFailureWords(error: unknown): string {
  switch (errorCodeOf(error)) {
    case 'unauthorized':
      return (
        'The server did not let you in: this invite is wrong or was replaced by a new one, or ' +
        'the server admits invited people only. Ask the host for a new invite. ' +
        `(${errorWords(error)})`
      );
    case 'rate-limited':
      return `Too many attempts with a wrong invite from your address. ${errorWords(error)}`;
    case 'forbidden':
      return `The server refused this page: ${errorWords(error)}`;
    default:
      return errorWords(error);
  }
}
