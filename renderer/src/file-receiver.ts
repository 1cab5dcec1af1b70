/**
 * The receiving end of one file's channel: checks every message, hashes the bytes as they come,
 * writes them to the sink in blocks (one write at a time, so a slow disk or IPC holds the sender
 * back through the acknowledgements) and compares the SHA-256 at the end.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import {
  ACK_STEP,
  parseFileChannelMessage,
  toHex,
  WRITE_SIZE,
  type FileChannelMessage,
} from './file-protocol.js';
import type { FileSink } from './file-sinks.js';

/** Why receiving stopped short. */
export type ReceiveFailure =
  /** The sender sent more bytes than it announced. */
  | 'too-large'
  /** The sender ended before the announced size. */
  | 'incomplete'
  /** The sink refused a write. */
  | 'disk'
  /** The channel closed before the end. */
  | 'interrupted';

export interface ReceiverEvents {
  /** `bytes` in all are written. */
  progress(bytes: number): void;
  /** Every byte is written; `intact` tells whether the SHA-256 matched the sender's. */
  complete(intact: boolean): void;
  failed(reason: ReceiveFailure, error?: unknown): void;
}

export class FileReceiver {
  private readonly hash = sha256.create();
  private received = 0;
  private written = 0;
  private acknowledged = 0;
  private pending: Uint8Array<ArrayBuffer>[] = [];
  private pendingBytes = 0;
  private writing = false;
  private expectedHash: string | null = null;
  private stopped = false;

  constructor(
    private readonly channel: RTCDataChannel,
    private readonly size: number,
    private readonly sink: FileSink,
    private readonly events: ReceiverEvents,
  ) {
    channel.binaryType = 'arraybuffer';
    channel.onmessage = ({ data }: MessageEvent<unknown>) => {
      if (this.stopped) return;
      if (data instanceof ArrayBuffer) this.onBytes(new Uint8Array(data));
      else this.onMessage(parseFileChannelMessage(data));
    };
    channel.onclose = () => this.fail('interrupted');
  }

  /** Stops taking bytes; `close` also closes the channel (the other side cancelled). */
  stop(close: boolean): void {
    this.stopped = true;
    if (close) this.channel.close();
  }

  private onBytes(bytes: Uint8Array<ArrayBuffer>): void {
    if (this.expectedHash !== null || this.received + bytes.byteLength > this.size) {
      this.fail('too-large');
      return;
    }
    this.hash.update(bytes);
    this.received += bytes.byteLength;
    this.pending.push(bytes);
    this.pendingBytes += bytes.byteLength;
    void this.drain();
  }

  private onMessage(message: FileChannelMessage | null): void {
    if (message?.type !== 'end') return;
    if (this.received !== this.size) {
      this.fail('incomplete');
      return;
    }
    this.expectedHash = message.sha256;
    void this.drain();
  }

  /** Writes whole blocks, and the rest once everything arrived; then checks the hash. */
  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (
        !this.stopped &&
        (this.pendingBytes >= WRITE_SIZE || (this.pendingBytes > 0 && this.received === this.size))
      ) {
        const block = this.takeBlock();
        await this.sink.write(block);
        this.written += block.byteLength;
        this.events.progress(this.written);
        if (this.written - this.acknowledged >= ACK_STEP || this.written === this.size) {
          this.acknowledge();
        }
      }
    } catch (error) {
      this.fail('disk', error);
      return;
    } finally {
      this.writing = false;
    }
    if (!this.stopped && this.expectedHash !== null && this.written === this.size) {
      this.stopped = true;
      this.channel.onclose = null;
      this.events.complete(toHex(this.hash.digest()) === this.expectedHash);
      this.channel.close();
    }
  }

  /** Up to {@link WRITE_SIZE} of the pending bytes, in one block. */
  private takeBlock(): Uint8Array<ArrayBuffer> {
    const block = new Uint8Array(Math.min(WRITE_SIZE, this.pendingBytes));
    let filled = 0;
    while (filled < block.byteLength) {
      const head = this.pending[0]!;
      const take = Math.min(head.byteLength, block.byteLength - filled);
      block.set(head.subarray(0, take), filled);
      filled += take;
      if (take === head.byteLength) this.pending.shift();
      else this.pending[0] = head.subarray(take);
    }
    this.pendingBytes -= block.byteLength;
    return block;
  }

  private acknowledge(): void {
    this.acknowledged = this.written;
    if (this.channel.readyState !== 'open') return;
    this.channel.send(JSON.stringify({ type: 'ack', bytes: this.written }));
  }

  private fail(reason: ReceiveFailure, error?: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.pending = [];
    this.channel.onclose = null;
    this.channel.close();
    this.events.failed(reason, error);
  }
}
