/**
 * The two ends of a file's channel (renderer/src/file-sender.ts, file-receiver.ts) on a stand-in
 * channel in Node: the sender's backpressure (channel queue and acknowledgement window), the
 * receiver's checks (announced size, the SHA-256) and its blocks and acknowledgements.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import {
  ACK_WINDOW,
  BUFFER_HIGH,
  BUFFER_LOW,
  CHUNK_SIZE,
  WRITE_SIZE,
} from '../../renderer/src/file-protocol.js';
import { FileReceiver, type ReceiverEvents } from '../../renderer/src/file-receiver.js';
import { FileSender, SendStopped } from '../../renderer/src/file-sender.js';
import type { FileSink, KeptFile } from '../../renderer/src/file-sinks.js';

/** What the ends use of an RTCDataChannel; `bufferedAmount` grows with each send until drained. */
class StandInChannel extends EventTarget {
  binaryType: BinaryType = 'blob';
  readyState: RTCDataChannelState = 'open';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  onmessage: ((event: MessageEvent<unknown>) => void) | null = null;
  onclose: (() => void) | null = null;
  onbufferedamountlow: (() => void) | null = null;
  readonly binary: Uint8Array[] = [];
  readonly text: string[] = [];
  /** The largest `bufferedAmount` any send saw before adding to it. */
  peakBuffered = 0;

  send(data: string | ArrayBufferView): void {
    if (this.readyState !== 'open') throw new Error('InvalidStateError');
    if (typeof data === 'string') {
      this.text.push(data);
      return;
    }
    this.peakBuffered = Math.max(this.peakBuffered, this.bufferedAmount);
    this.binary.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
    this.bufferedAmount += data.byteLength;
  }

  close(): void {
    this.readyState = 'closed';
  }

  /** The network took everything queued. */
  drain(): void {
    this.bufferedAmount = 0;
    this.onbufferedamountlow?.();
  }

  deliver(data: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data }));
  }

  asChannel(): RTCDataChannel {
    return this as unknown as RTCDataChannel;
  }
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** A copy of exactly these bytes (a Buffer's `.buffer` may hold more: Node pools them). */
const arrayBufferOf = (bytes: Uint8Array) => new Uint8Array(bytes).buffer;

/** Keeps written blocks in memory, for the test to read back. */
class RecordingSink implements FileSink {
  readonly blocks: Uint8Array[] = [];
  failWrites = false;

  write(block: Uint8Array<ArrayBuffer>): Promise<void> {
    if (this.failWrites) return Promise.reject(new Error('disk: No space left on device'));
    this.blocks.push(block);
    return Promise.resolve();
  }

  keep(): Promise<KeptFile> {
    return Promise.resolve({ kind: 'saved', path: '/tmp/x' });
  }

  discard(): Promise<void> {
    return Promise.resolve();
  }

  get bytes(): Buffer {
    return Buffer.concat(this.blocks);
  }
}

function recordEvents() {
  const seen = {
    progress: [] as number[],
    complete: [] as boolean[],
    failed: [] as string[],
  };
  const events: ReceiverEvents = {
    progress: (bytes) => seen.progress.push(bytes),
    complete: (intact) => seen.complete.push(intact),
    failed: (reason) => seen.failed.push(reason),
  };
  return { seen, events };
}

/** Feeds `bytes` to a receiver in chunks, as a sender would. */
function feed(channel: StandInChannel, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.byteLength; at += CHUNK_SIZE) {
    channel.deliver(arrayBufferOf(bytes.subarray(at, at + CHUNK_SIZE)));
  }
}

describe('FileReceiver', () => {
  it('writes whole blocks, acknowledges what reached the sink, and checks the SHA-256', async () => {
    const file = randomBytes(3 * WRITE_SIZE + 12_345);
    const channel = new StandInChannel();
    const sink = new RecordingSink();
    const { seen, events } = recordEvents();
    new FileReceiver(channel.asChannel(), file.byteLength, sink, events);

    feed(channel, file);
    channel.deliver(JSON.stringify({ type: 'end', sha256: sha256(file) }));

    await vi.waitFor(() => expect(seen.complete).toEqual([true]));
    expect(sink.bytes.equals(file)).toBe(true);
    expect(sink.blocks.map((block) => block.byteLength)).toEqual([
      WRITE_SIZE,
      WRITE_SIZE,
      WRITE_SIZE,
      12_345,
    ]);
    const acks = channel.text.map((text) => JSON.parse(text) as { bytes: number });
    expect(acks.map(({ bytes }) => bytes)).toEqual([
      WRITE_SIZE,
      2 * WRITE_SIZE,
      3 * WRITE_SIZE,
      file.byteLength,
    ]);
    expect(seen.progress.at(-1)).toBe(file.byteLength);
    expect(channel.readyState).toBe('closed');
  });

  it('reports a SHA-256 that differs from the sender’s', async () => {
    const file = randomBytes(100_000);
    const channel = new StandInChannel();
    const { seen, events } = recordEvents();
    new FileReceiver(channel.asChannel(), file.byteLength, new RecordingSink(), events);
    const damaged = Buffer.from(file);
    damaged[5000]! ^= 1;

    feed(channel, damaged);
    channel.deliver(JSON.stringify({ type: 'end', sha256: sha256(file) }));

    await vi.waitFor(() => expect(seen.complete).toEqual([false]));
  });

  it('stops at the first byte beyond the announced size', () => {
    const channel = new StandInChannel();
    const sink = new RecordingSink();
    const { seen, events } = recordEvents();
    new FileReceiver(channel.asChannel(), 100, sink, events);

    channel.deliver(arrayBufferOf(new Uint8Array(60)));
    channel.deliver(arrayBufferOf(new Uint8Array(41)));
    channel.deliver(JSON.stringify({ type: 'end', sha256: 'ab'.repeat(32) }));

    expect(seen.failed).toEqual(['too-large']);
    expect(seen.complete).toEqual([]);
    expect(channel.readyState).toBe('closed');
  });

  it('fails a file that ends short of its size, and ignores messages it cannot read', () => {
    const channel = new StandInChannel();
    const { seen, events } = recordEvents();
    new FileReceiver(channel.asChannel(), 100, new RecordingSink(), events);

    channel.deliver(arrayBufferOf(new Uint8Array(99)));
    channel.deliver('{"type":"end"}');
    channel.deliver('not json');
    channel.deliver(JSON.stringify({ type: 'end', sha256: 'ab'.repeat(32) }));

    expect(seen.failed).toEqual(['incomplete']);
  });

  it('fails when the sink refuses a write', async () => {
    const channel = new StandInChannel();
    const sink = new RecordingSink();
    sink.failWrites = true;
    const { seen, events } = recordEvents();
    new FileReceiver(channel.asChannel(), 10, sink, events);

    channel.deliver(arrayBufferOf(new Uint8Array(10)));

    await vi.waitFor(() => expect(seen.failed).toEqual(['disk']));
  });

  it('fails when the channel closes before the end', () => {
    const channel = new StandInChannel();
    const { seen, events } = recordEvents();
    new FileReceiver(channel.asChannel(), 10, new RecordingSink(), events);

    channel.onclose?.();

    expect(seen.failed).toEqual(['interrupted']);
  });
});

describe('FileSender', () => {
  it('keeps the channel’s queue under its high mark, waiting for bufferedamountlow', async () => {
    const file = randomBytes(3 * BUFFER_HIGH + 1000);
    const channel = new StandInChannel();
    const sender = new FileSender(channel.asChannel(), new Blob([file]), () => undefined);
    const run = sender.run();
    expect(channel.bufferedAmountLowThreshold).toBe(BUFFER_LOW);

    // The sender fills the queue past its high mark, then waits until the network drains it.
    for (;;) {
      await vi.waitFor(() =>
        expect(channel.bufferedAmount > BUFFER_HIGH || channel.text.length > 0).toBe(true),
      );
      const sent = channel.binary.reduce((total, chunk) => total + chunk.byteLength, 0);
      channel.deliver(JSON.stringify({ type: 'ack', bytes: sent }));
      if (channel.text.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(channel.bufferedAmount).toBeLessThanOrEqual(BUFFER_HIGH + CHUNK_SIZE);
      channel.drain();
    }
    await run;

    expect(channel.peakBuffered).toBeLessThanOrEqual(BUFFER_HIGH);
    expect(channel.binary.every((chunk) => chunk.byteLength <= CHUNK_SIZE)).toBe(true);
    expect(Buffer.concat(channel.binary).equals(file)).toBe(true);
    expect(JSON.parse(channel.text.at(-1)!)).toEqual({ type: 'end', sha256: sha256(file) });
  });

  it('sends no more than the acknowledgement window ahead of the receiver', async () => {
    const file = randomBytes(ACK_WINDOW + 5 * CHUNK_SIZE);
    const channel = new StandInChannel();
    const acknowledged: number[] = [];
    const sender = new FileSender(channel.asChannel(), new Blob([file]), (bytes) =>
      acknowledged.push(bytes),
    );
    // The network is instant: only the receiver's acknowledgements hold the sender back.
    const send = channel.send.bind(channel);
    channel.send = (data) => {
      send(data);
      channel.bufferedAmount = 0;
    };
    const run = sender.run();

    const sentBytes = () => channel.binary.reduce((total, chunk) => total + chunk.byteLength, 0);
    await vi.waitFor(() => expect(sentBytes()).toBe(ACK_WINDOW));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sentBytes()).toBe(ACK_WINDOW);

    channel.deliver(JSON.stringify({ type: 'ack', bytes: 2 * CHUNK_SIZE }));
    await vi.waitFor(() => expect(sentBytes()).toBe(ACK_WINDOW + 2 * CHUNK_SIZE));
    // An acknowledgement of more than was sent is a lie, and ignored.
    channel.deliver(JSON.stringify({ type: 'ack', bytes: file.byteLength }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sentBytes()).toBe(ACK_WINDOW + 2 * CHUNK_SIZE);
    while (channel.text.length === 0) {
      channel.deliver(JSON.stringify({ type: 'ack', bytes: sentBytes() }));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await run;
    expect(acknowledged.slice(0, 2)).toEqual([2 * CHUNK_SIZE, ACK_WINDOW + 2 * CHUNK_SIZE]);
    expect(Buffer.concat(channel.binary).equals(file)).toBe(true);
  });

  it('stops when told, and when the channel closes', async () => {
    const file = new Blob([randomBytes(2 * BUFFER_HIGH)]);
    const stopped = new StandInChannel();
    const first = new FileSender(stopped.asChannel(), file, () => undefined).run();
    await vi.waitFor(() => expect(stopped.bufferedAmount).toBeGreaterThan(BUFFER_HIGH));
    const closed = new StandInChannel();
    const second = new FileSender(closed.asChannel(), file, () => undefined);
    const secondRun = second.run();
    await vi.waitFor(() => expect(closed.bufferedAmount).toBeGreaterThan(BUFFER_HIGH));

    second.stop(true);
    closed.onclose?.();

    await expect(secondRun).rejects.toBeInstanceOf(SendStopped);
    expect(closed.readyState).toBe('closed');
    stopped.close();
    stopped.onclose?.();
    await expect(first).rejects.toBeInstanceOf(SendStopped);
    expect(stopped.text).toEqual([]);
  });

  it('sends an empty file as its SHA-256 alone', async () => {
    const channel = new StandInChannel();
    await new FileSender(channel.asChannel(), new Blob([]), () => undefined).run();
    expect(channel.binary).toEqual([]);
    expect(JSON.parse(channel.text[0]!)).toEqual({ type: 'end', sha256: sha256(new Uint8Array()) });
  });
});
