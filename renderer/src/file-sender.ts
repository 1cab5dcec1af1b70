/**
 * The sending end of one file's channel: reads the file a block at a time (never whole), sends
 * it in {@link CHUNK_SIZE} messages while hashing them, and ends with the SHA-256. It waits
 * whenever the channel's queue passes {@link BUFFER_HIGH} (until `bufferedamountlow`) or the
 * receiver has not acknowledged {@link ACK_WINDOW} of what was sent.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { errorWords } from '../../common/errors.js';
import {
  ACK_WINDOW,
  BUFFER_HIGH,
  BUFFER_LOW,
  CHUNK_SIZE,
  parseFileChannelMessage,
  toHex,
} from './file-protocol.js';

/** Bytes read from the file at once; the next block is read while this one is sent. */
const READ_SIZE = 1024 * 1024;

/** The channel closed or the transfer was stopped before the file was sent. */
export class SendStopped extends Error {
  override name = 'SendStopped';
}

/** The file could not be read (moved, changed, a removed disk); the message says why. */
export class FileUnreadable extends Error {
  override name = 'FileUnreadable';
}

export class FileSender {
  private sent = 0;
  private acknowledged = 0;
  private stopped = false;
  /** Wakes the send loop when the queue drained, an acknowledgement came, or it must stop. */
  private wake: (() => void) | null = null;

  constructor(
    private readonly channel: RTCDataChannel,
    private readonly file: Blob,
    /** The receiver wrote `bytes` in all. */
    private readonly onProgress: (bytes: number) => void,
  ) {
    channel.binaryType = 'arraybuffer';
    channel.bufferedAmountLowThreshold = BUFFER_LOW;
    channel.onbufferedamountlow = () => this.wakeUp();
    channel.onmessage = ({ data }: MessageEvent<unknown>) => {
      const message = parseFileChannelMessage(data);
      if (message?.type !== 'ack' || message.bytes > this.sent) return;
      this.acknowledged = Math.max(this.acknowledged, message.bytes);
      this.onProgress(this.acknowledged);
      this.wakeUp();
    };
    channel.onclose = () => this.stop(false);
  }

  /**
   * Sends the whole file and its SHA-256. Rejects with {@link SendStopped} if stopped or the
   * channel closed first, with {@link FileUnreadable} if the file could not be read.
   */
  async run(): Promise<void> {
    await this.opened();
    const hash = sha256.create();
    const size = this.file.size;
    let offset = 0;
    let next = size > 0 ? this.read(0) : null;
    while (next) {
      const block = await next.catch((error: unknown) => {
        throw new FileUnreadable(errorWords(error), { cause: error });
      });
      // A file that shrank since it was picked would never end.
      if (block.byteLength === 0) throw new FileUnreadable('it changed while it was being sent');
      offset += block.byteLength;
      next = offset < size ? this.read(offset) : null;
      for (let at = 0; at < block.byteLength; at += CHUNK_SIZE) {
        await this.room();
        const chunk = block.subarray(at, at + CHUNK_SIZE);
        hash.update(chunk);
        if (this.channel.readyState !== 'open') throw new SendStopped('the channel closed');
        this.channel.send(chunk);
        this.sent += chunk.byteLength;
      }
    }
    if (this.channel.readyState !== 'open') throw new SendStopped('the channel closed');
    this.channel.send(JSON.stringify({ type: 'end', sha256: toHex(hash.digest()) }));
  }

  /** Stops sending; `close` also closes the channel (the other side cancelled). */
  stop(close: boolean): void {
    this.stopped = true;
    this.channel.onclose = null;
    if (close) this.channel.close();
    this.wakeUp();
  }

  private read(offset: number): Promise<Uint8Array<ArrayBuffer>> {
    const block = this.file
      .slice(offset, offset + READ_SIZE)
      .arrayBuffer()
      .then((buffer) => new Uint8Array(buffer));
    // Read ahead: if sending stops first, nobody awaits it.
    block.catch(() => undefined);
    return block;
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private opened(): Promise<void> {
    return this.waitUntil(() => this.channel.readyState === 'open', 'open');
  }

  /** Waits until the channel's queue and the unacknowledged bytes are both under their limits. */
  private room(): Promise<void> {
    return this.waitUntil(
      () =>
        this.channel.bufferedAmount <= BUFFER_HIGH && this.sent - this.acknowledged < ACK_WINDOW,
    );
  }

  private async waitUntil(ready: () => boolean, event?: 'open'): Promise<void> {
    const wakeOnEvent = () => this.wakeUp();
    if (event) this.channel.addEventListener(event, wakeOnEvent);
    try {
      for (;;) {
        if (this.stopped) throw new SendStopped('the transfer stopped');
        if (ready()) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      if (event) this.channel.removeEventListener(event, wakeOnEvent);
    }
  }
}
