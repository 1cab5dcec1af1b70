/**
 * Files this page sends: offered all at once, sent one at a time in the order they were offered,
 * each on a channel of its own opened only after the receiver accepted it.
 */
import type { PeerId } from '../../common/protocol.js';
import type { CallEngine } from './call-engine.js';
import { fileChannelLabel, MAX_NAME_LENGTH } from './file-protocol.js';
import { FileSender, FileUnreadable, SendStopped } from './file-sender.js';
import type { Transfer, TransferList } from './file-state.js';

export class Outgoing {
  /** The file whose bytes are on their way; the accepted others wait for it. */
  private sending: Transfer | null = null;

  constructor(
    private readonly list: TransferList,
    private readonly engine: CallEngine,
  ) {
    list.onFinish((transfer) => {
      if (transfer !== this.sending) return;
      this.sending = null;
      this.sendNext();
    });
  }

  /** Offers each file to `peer`; nothing of it is sent before `accept`. */
  offer(files: File[], peer: PeerId): void {
    for (const file of files) {
      const id = crypto.randomUUID();
      const name = file.name.slice(0, MAX_NAME_LENGTH) || 'file';
      this.list.add(id, 'out', name, file.size, peer).file = file;
      this.list.sendControl({ type: 'offer', id, name, size: file.size });
    }
  }

  accepted(transfer: Transfer): void {
    if (transfer.phase !== 'offered') return;
    this.list.move(transfer, 'queued');
    this.sendNext();
  }

  declined(transfer: Transfer): void {
    if (transfer.phase === 'offered') this.list.finish(transfer, 'declined');
  }

  /** The receiver compared the SHA-256 of what it got with ours. */
  checked(transfer: Transfer, intact: boolean): void {
    if (transfer.phase !== 'active' && transfer.phase !== 'checking') return;
    if (intact) this.list.finish(transfer, 'done');
    else this.list.finish(transfer, 'failed', 'damaged');
  }

  private sendNext(): void {
    if (this.sending || !this.list.ready) return;
    const next = this.list
      .all()
      .find((transfer) => transfer.direction === 'out' && transfer.phase === 'queued');
    if (next) void this.send(next);
  }

  private async send(transfer: Transfer): Promise<void> {
    const channel = this.engine.openChannel(fileChannelLabel(transfer.id), { ordered: true });
    if (!channel || !transfer.file) {
      this.list.finish(transfer, 'failed', 'interrupted');
      return;
    }
    this.sending = transfer;
    this.list.move(transfer, 'active');
    const sender = new FileSender(channel, transfer.file, (bytes) =>
      this.list.progress(transfer, bytes),
    );
    transfer.sender = sender;
    try {
      await sender.run();
      // Every byte is on its way: the next file may start while the receiver checks this one.
      if (transfer.phase === 'active') this.list.move(transfer, 'checking');
    } catch (error) {
      if (error instanceof FileUnreadable) {
        this.list.sendControl({ type: 'cancel', id: transfer.id, failed: true });
        this.list.finish(transfer, 'failed', 'read', error.message);
      } else {
        if (!(error instanceof SendStopped)) console.error('appel:files sending failed', error);
        this.list.finish(transfer, 'failed', 'interrupted');
      }
    }
    if (this.sending === transfer) {
      this.sending = null;
      this.sendNext();
    }
  }
}
