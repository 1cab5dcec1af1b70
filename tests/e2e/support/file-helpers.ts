/**
 * Helpers for the file-transfer tests: files of pseudo-random bytes and their SHA-256 in Node,
 * the files panel as a user sees it, the file channels the page opens or is given (on the peer
 * connections page-helpers.ts captures), and what its private file system holds.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import { acceptCall, callPeer, callStatus, type PeerPage } from './page-helpers.js';

export interface TestFile {
  path: string;
  name: string;
  size: number;
  sha256: string;
}

/** Writes `size` pseudo-random bytes to `dir/name`, a megabyte at a time, hashing as it goes. */
export async function randomFile(dir: string, name: string, size: number): Promise<TestFile> {
  const path = join(dir, name);
  const hash = createHash('sha256');
  const file = await open(path, 'w');
  try {
    for (let written = 0; written < size;) {
      const piece = randomBytes(Math.min(1024 * 1024, size - written));
      hash.update(piece);
      await file.write(piece);
      written += piece.byteLength;
    }
  } finally {
    await file.close();
  }
  return { path, name, size, sha256: hash.digest('hex') };
}

/** The SHA-256 of a file on disk, read as a stream. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `a` calls `b`, `b` accepts, and both can send files. */
export async function startCall(a: PeerPage, b: PeerPage): Promise<void> {
  await callPeer(a.page, b.name);
  await acceptCall(b.page, a.name);
  await expect(callStatus(a.page)).toHaveText(`In call with ${b.name}`);
  for (const { page } of [a, b]) {
    await expect(page.getByRole('button', { name: 'Send a file' })).toBeEnabled();
    await watchFileChannels(page);
  }
}

/** Picks files with "Send a file". */
export async function sendFiles(page: Page, paths: string[]): Promise<void> {
  await page.getByLabel('Send a file').setInputFiles(paths);
}

/** The row of a transfer in the files panel. */
export function transferRow(page: Page, name: string): Locator {
  return page
    .getByRole('list', { name: 'File transfers' })
    .getByRole('listitem')
    .filter({ has: page.getByText(name, { exact: true }) });
}

/** The value of a transfer's progress bar. */
export function progressOf(page: Page, name: string): Promise<number> {
  return page
    .getByRole('progressbar', { name: `Progress of ${name}` })
    .evaluate((bar) => (bar as HTMLProgressElement).value);
}

declare global {
  interface Window {
    /** The file channels the page opened or was given, since {@link watchFileChannels}. */
    __appelTestFileChannels?: { channel: RTCDataChannel; bytesReceived: number }[];
  }
}

/**
 * Records every file channel (`appel:file:<id>`) the page opens or is given from now on, with
 * the bytes it receives. (A closed channel leaves getStats(), so the channels are kept here.)
 */
export function watchFileChannels(page: Page): Promise<void> {
  return page.evaluate(() => {
    const seen: { channel: RTCDataChannel; bytesReceived: number }[] = [];
    window.__appelTestFileChannels = seen;
    const keep = (channel: RTCDataChannel): void => {
      if (!channel.label.startsWith('appel:file:')) return;
      const entry = { channel, bytesReceived: 0 };
      seen.push(entry);
      channel.addEventListener('message', ({ data }: MessageEvent<unknown>) => {
        if (data instanceof ArrayBuffer) entry.bytesReceived += data.byteLength;
      });
    };
    // The page's RTCPeerConnection is the capturing subclass: the method is inherited.
    const proto = RTCPeerConnection.prototype;
    const create = Reflect.get(proto, 'createDataChannel');
    proto.createDataChannel = function (this: RTCPeerConnection, label, init) {
      const channel = create.call(this, label, init);
      keep(channel);
      return channel;
    };
    for (const pc of window.__appelTestPeerConnections ?? []) {
      pc.addEventListener('datachannel', ({ channel }) => keep(channel));
    }
  });
}

export interface FileChannelState {
  state: RTCDataChannelState;
  /** Binary bytes this side received on it. */
  bytesReceived: number;
}

/** The file channels recorded since {@link watchFileChannels}, in order. */
export function fileChannels(page: Page): Promise<FileChannelState[]> {
  return page.evaluate(() =>
    (window.__appelTestFileChannels ?? []).map(({ channel, bytesReceived }) => ({
      state: channel.readyState,
      bytesReceived,
    })),
  );
}

/** The states of the recorded file channels. */
export async function fileChannelStates(page: Page): Promise<RTCDataChannelState[]> {
  return (await fileChannels(page)).map((channel) => channel.state);
}

/** How many files the page's origin private file system holds, in every folder. */
export function privateFiles(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const count = async (folder: FileSystemDirectoryHandle): Promise<number> => {
      let files = 0;
      for await (const entry of folder.values()) {
        files += entry.kind === 'file' ? 1 : await count(entry);
      }
      return files;
    };
    return count(await navigator.storage.getDirectory());
  });
}

/**
 * Test hook: every write to the page's private file system takes `ms` longer, as a slow disk
 * would. The receiver then acknowledges slowly, and the sender must wait for it.
 */
export function slowDiskWrites(page: Page, ms: number): Promise<void> {
  return page.evaluate((delay) => {
    const proto = FileSystemWritableFileStream.prototype;
    const write = Object.getOwnPropertyDescriptor(proto, 'write')!
      .value as FileSystemWritableFileStream['write'];
    proto.write = async function (this: FileSystemWritableFileStream, data) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      return write.call(this, data);
    };
  }, ms);
}

/**
 * Test hook: the page flips one byte of the `nth` binary message it sends on a file channel,
 * after the sender hashed it, as a faulty path would.
 */
export function corruptFileChunk(page: Page, nth: number): Promise<void> {
  return page.evaluate((target) => {
    const send = Object.getOwnPropertyDescriptor(RTCDataChannel.prototype, 'send')!
      .value as RTCDataChannel['send'];
    let chunks = 0;
    RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: never) {
      const binary = typeof data !== 'string';
      if (binary && this.label.startsWith('appel:file:') && (chunks += 1) === target) {
        const copy = new Uint8Array(data as Uint8Array<ArrayBuffer>);
        copy[copy.byteLength >> 1]! ^= 0xff;
        return send.call(this, copy);
      }
      return send.call(this, data);
    };
  }, nth);
}
