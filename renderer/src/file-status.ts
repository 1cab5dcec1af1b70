/** Where a file transfer stands, and the words for it. */
import type { RateMeter } from './file-rate.js';
import type { KeptFile } from './file-sinks.js';
import { t, type StringKey } from './i18n.js';

export type Phase =
  /** Offered, waiting for the receiver's Accept or Decline. */
  | 'offered'
  /** Accepted; the receiver opens where the file will go. */
  | 'preparing'
  /** Accepted; waits for its turn (the sender sends one file at a time). */
  | 'queued'
  | 'active'
  /** Every byte is across; the receiver compares the SHA-256. */
  | 'checking'
  | 'done'
  | 'declined'
  | 'cancelled'
  | 'failed';

const FINISHED: ReadonlySet<Phase> = new Set(['done', 'declined', 'cancelled', 'failed']);

export function isFinished(phase: Phase): boolean {
  return FINISHED.has(phase);
}

/** Who cancelled, or why it failed. */
export type EndReason =
  | 'you'
  | 'peer'
  | 'damaged'
  | 'peer-failed'
  | 'read'
  | 'disk'
  | 'too-large'
  | 'incomplete'
  | 'interrupted'
  | 'call-ended';

/** What the panel shows of one transfer. */
export interface TransferState {
  id: string;
  direction: 'out' | 'in';
  /** The file's name as shown (displayName). */
  name: string;
  size: number;
  peerName: string;
  phase: Phase;
  /** Bytes written at the receiver. */
  bytes: number;
  meter: RateMeter;
  reason?: EndReason;
  /** The error's words, for `read` and `disk`. */
  detail?: string;
  kept?: KeptFile;
  /** Received into memory only, and large: warned before Accept. */
  memoryWarning: boolean;
}

/** The words for where a transfer stands. */
export function stateWords(transfer: TransferState): string {
  const { direction, phase, reason, peerName: name } = transfer;
  const out = direction === 'out';
  switch (phase) {
    case 'offered':
    case 'queued':
    case 'active':
    case 'checking':
      return t(`files.${direction}.${phase}`, { name });
    case 'preparing':
      return t('files.in.preparing');
    case 'declined':
      return t(out ? 'files.out.declined' : 'files.in.declined', { name });
    case 'done':
      if (out) return t('files.out.done', { name });
      if (transfer.kept?.kind === 'saved') {
        return t('files.in.saved', { file: transfer.kept.path.split(/[\\/]/).pop() ?? '' });
      }
      return t('files.in.received');
    case 'cancelled':
    case 'failed':
      return endWords(transfer, reason ?? 'interrupted');
  }
}

function endWords(transfer: TransferState, reason: EndReason): string {
  const name = transfer.peerName;
  const reasonWords = transfer.detail ?? '';
  const keys: Record<EndReason, StringKey> = {
    you: 'files.cancelledByYou',
    peer: 'files.cancelledByPeer',
    damaged: transfer.direction === 'out' ? 'files.out.damaged' : 'files.in.damaged',
    'peer-failed': transfer.direction === 'out' ? 'files.out.peerFailed' : 'files.in.peerFailed',
    read: 'files.out.readFailed',
    disk: 'files.in.diskFailed',
    'too-large': 'files.in.tooLarge',
    incomplete: 'files.in.incomplete',
    interrupted: 'files.interrupted',
    'call-ended': 'files.callEnded',
  };
  return t(keys[reason], { name, reason: reasonWords });
}
