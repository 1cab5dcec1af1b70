/**
 * The page's file transfers, both ways, and the one way a transfer ends: {@link TransferList.finish}
 * stops its channel end, removes a partial file, repaints its row and says what happened.
 */
import type { PeerId } from '../../common/protocol.js';
import type { CallContext } from './feature.js';
import { displayName, type ControlMessage } from './file-protocol.js';
import { RateMeter } from './file-rate.js';
import type { FileReceiver } from './file-receiver.js';
import type { FileSender } from './file-sender.js';
import type { FileSink } from './file-sinks.js';
import {
  isFinished,
  stateWords,
  type EndReason,
  type Phase,
  type TransferState,
} from './file-status.js';
import type { FilesView } from './file-view.js';
import { t } from './i18n.js';

/** Failures also shown in the page's alert: something went wrong with the user's file. */
const ALERTS: ReadonlySet<EndReason> = new Set([
  'damaged',
  'disk',
  'too-large',
  'incomplete',
  'read',
]);

export interface Transfer extends TransferState {
  peer: PeerId;
  /** The file offered (sender), until it ends. */
  file?: File;
  sender?: FileSender;
  /** Where the bytes go, from Accept until kept or discarded (receiver). */
  sink?: FileSink;
  receiver?: FileReceiver;
}

export type Ending = Extract<Phase, 'done' | 'declined' | 'cancelled' | 'failed'>;

export class TransferList {
  private readonly transfers = new Map<string, Transfer>();
  private readonly finishListeners: ((transfer: Transfer) => void)[] = [];
  /** The call's control channel, once the call has one. */
  control: RTCDataChannel | null = null;

  constructor(
    private readonly ctx: CallContext,
    readonly view: FilesView,
  ) {}

  add(
    id: string,
    direction: Transfer['direction'],
    name: string,
    size: number,
    peer: PeerId,
  ): Transfer {
    const transfer: Transfer = {
      id,
      direction,
      name: displayName(name),
      size,
      peer,
      peerName: this.ctx.nameOf(peer),
      phase: 'offered',
      bytes: 0,
      meter: new RateMeter(),
      memoryWarning: false,
    };
    this.transfers.set(id, transfer);
    this.view.show(transfer);
    return transfer;
  }

  get(id: string): Transfer | undefined {
    return this.transfers.get(id);
  }

  /** Every transfer, oldest first. */
  all(): Transfer[] {
    return [...this.transfers.values()];
  }

  /** Whether control messages can be sent: the call's control channel is open. */
  get ready(): boolean {
    return this.control?.readyState === 'open';
  }

  sendControl(message: ControlMessage): void {
    if (this.ready) this.control!.send(JSON.stringify(message));
  }

  /** Moves a transfer on to a phase that is not its end. */
  move(transfer: Transfer, phase: Exclude<Phase, Ending>): void {
    transfer.phase = phase;
    this.view.show(transfer);
  }

  progress(transfer: Transfer, bytes: number): void {
    transfer.bytes = bytes;
    transfer.meter.add(performance.now(), bytes);
    this.view.showProgress(transfer);
  }

  /** Called after each transfer ends. */
  onFinish(listener: (transfer: Transfer) => void): void {
    this.finishListeners.push(listener);
  }

  /**
   * Ends a transfer on this side (once). `closeChannel`: the other side asked to stop, so this
   * side closes the file's channel (the one who cancels leaves that to the other).
   */
  finish(
    transfer: Transfer,
    phase: Ending,
    reason?: EndReason,
    detail?: string,
    closeChannel = false,
  ): void {
    if (isFinished(transfer.phase)) return;
    Object.assign(transfer, { phase, reason, detail });
    transfer.sender?.stop(closeChannel);
    transfer.receiver?.stop(closeChannel);
    if (transfer.sink && phase !== 'done') {
      transfer.sink
        .discard()
        .catch((error: unknown) => console.warn('appel:files partial file not removed', error));
    }
    transfer.sink = undefined;
    transfer.file = undefined;
    this.view.show(transfer);
    const words = stateWords(transfer);
    this.ctx.announce(t('files.announceState', { file: transfer.name, state: words }));
    if (reason && ALERTS.has(reason)) this.ctx.showError(`${transfer.name}: ${words}`);
    for (const listener of this.finishListeners) listener(transfer);
  }

  /** Takes an ended transfer off the list, and lets go of its received file. */
  dismiss(id: string): void {
    const transfer = this.transfers.get(id);
    if (!transfer || !isFinished(transfer.phase)) return;
    this.transfers.delete(id);
    this.view.remove(id);
    if (transfer.kept?.kind === 'download') {
      transfer.kept
        .release()
        .catch((error: unknown) => console.warn('appel:files received file not removed', error));
    }
  }
}
