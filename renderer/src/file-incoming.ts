/**
 * Files offered to this page: shown with Accept and Decline; on Accept, where the file will go is
 * opened first (Downloads through main, or the browser's private file system), then the sender
 * is told to start. The file is kept only if its SHA-256 matches the sender's.
 */
import type { PeerId } from '../../common/protocol.js';
import { errorWords } from '../../common/errors.js';
import type { CallContext } from './feature.js';
import { FileReceiver } from './file-receiver.js';
import { MEMORY_WARNING_SIZE, openSink, storage, type FileSink } from './file-sinks.js';
import type { Transfer, TransferList } from './file-state.js';
import { formatSize, t } from './i18n.js';

export class Incoming {
  constructor(
    private readonly list: TransferList,
    private readonly ctx: CallContext,
  ) {}

  offered(id: string, name: string, size: number, from: PeerId): void {
    if (this.list.get(id)) return;
    const transfer = this.list.add(id, 'in', name, size, from);
    this.ctx.announce(
      t('files.announceOffer', {
        name: transfer.peerName,
        file: transfer.name,
        size: formatSize(size),
      }),
    );
    void storage(this.ctx.bridge).then((kind) => {
      transfer.memoryWarning = kind === 'memory' && size > MEMORY_WARNING_SIZE;
      if (transfer.memoryWarning) this.list.view.show(transfer);
    });
  }

  accept(id: string): void {
    const transfer = this.list.get(id);
    if (transfer?.direction !== 'in' || transfer.phase !== 'offered') return;
    this.list.move(transfer, 'preparing');
    openSink(this.ctx.bridge, transfer).then(
      (sink) => {
        // Cancelled, or the call ended, while the sink was opening.
        if (transfer.phase !== 'preparing') {
          void sink.discard();
          return;
        }
        transfer.sink = sink;
        this.list.move(transfer, 'queued');
        this.list.sendControl({ type: 'accept', id });
      },
      (error: unknown) => {
        this.list.sendControl({ type: 'cancel', id, failed: true });
        this.list.finish(transfer, 'failed', 'disk', errorWords(error));
      },
    );
  }

  decline(id: string): void {
    const transfer = this.list.get(id);
    if (transfer?.direction !== 'in' || transfer.phase !== 'offered') return;
    this.list.sendControl({ type: 'decline', id });
    this.list.finish(transfer, 'declined');
  }

  /** Whether a file channel from `from` is the one this accepted transfer waits for. */
  expects(transfer: Transfer | undefined, from: PeerId): transfer is Transfer {
    return transfer?.direction === 'in' && transfer.peer === from && transfer.phase === 'queued';
  }

  /** The file's own channel arrived: its bytes follow. */
  receive(transfer: Transfer, channel: RTCDataChannel): void {
    const sink = transfer.sink!;
    const { id } = transfer;
    this.list.move(transfer, 'active');
    transfer.receiver = new FileReceiver(channel, transfer.size, sink, {
      progress: (bytes) => this.list.progress(transfer, bytes),
      complete: (intact) => {
        if (intact) {
          void this.keep(transfer, sink);
          return;
        }
        this.list.sendControl({ type: 'result', id, ok: false });
        this.list.finish(transfer, 'failed', 'damaged');
      },
      failed: (reason, error) => {
        this.list.sendControl({ type: 'cancel', id, failed: true });
        const words = error === undefined ? undefined : errorWords(error);
        this.list.finish(transfer, 'failed', reason, words);
      },
    });
  }

  private async keep(transfer: Transfer, sink: FileSink): Promise<void> {
    this.list.move(transfer, 'checking');
    try {
      transfer.kept = await sink.keep();
    } catch (error) {
      this.list.sendControl({ type: 'cancel', id: transfer.id, failed: true });
      this.list.finish(transfer, 'failed', 'disk', errorWords(error));
      return;
    }
    transfer.sink = undefined;
    this.list.sendControl({ type: 'result', id: transfer.id, ok: true });
    this.list.finish(transfer, 'done');
  }
}
