/**
 * Received files, streamed into the Downloads folder: written as `<name>.part` chunk by chunk
 * (never held in memory), then renamed to a safe unique name when the checksum matched, or
 * deleted. The page names the file; nothing it sends can make main write outside the folder,
 * overwrite a file, or write more than the size it announced.
 */
import { randomUUID } from 'node:crypto';
import { link, open, rename, lstat, unlink, type FileHandle } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { IncomingFile } from '../common/bridge-api.js';
import { CodedError } from '../common/errors.js';
import { createLogger } from '../signaling-server/log.js';

const log = createLogger('appel:downloads');

/** Longest file name written, in UTF-8 bytes, leaving room for " (99)" and ".part" within 255. */
const MAX_NAME_BYTES = 200;
/** An extension longer than this is kept as part of the name when shortening. */
const MAX_EXTENSION_LENGTH = 16;
/** How many " (n)" variants are tried before giving up on a name. */
const MAX_VARIANTS = 10_000;
/** The name used when nothing of the sender's is left. */
const FALLBACK_NAME = 'file';

/** Names Windows reserves for devices, with or without an extension. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)/i;
/** Path separators, characters Windows refuses, and controls (C0, DEL, C1). */
const UNSAFE_CHARACTERS = /[/\\<>:"|?*\p{Cc}]/gu;
/** Bidirectional overrides and marks: "invoice\u202Efdp.exe" would read as "invoiceexe.pdf". */
const BIDI_CONTROLS = /\p{Bidi_Control}/gu;

/** Cuts `text` to at most `max` UTF-8 bytes without splitting a character. */
function truncateUtf8(text: string, max: number): string {
  let bytes = 0;
  let end = 0;
  for (const character of text) {
    bytes += Buffer.byteLength(character);
    if (bytes > max) break;
    end += character.length;
  }
  return text.slice(0, end);
}

/**
 * A name that is safe to create in a folder on Linux, macOS and Windows: no separators or
 * controls, no leading dots (no hidden files, no `..`), no trailing dots or spaces, no reserved
 * device name, at most {@link MAX_NAME_BYTES} bytes with its extension kept.
 */
export function safeFileName(name: string): string {
  let safe = name
    .normalize('NFC')
    .replace(BIDI_CONTROLS, '')
    .replace(UNSAFE_CHARACTERS, '_')
    .trim()
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  if (WINDOWS_RESERVED.test(safe)) safe = `_${safe}`;
  if (Buffer.byteLength(safe) > MAX_NAME_BYTES) {
    const extension = extname(safe).length <= MAX_EXTENSION_LENGTH ? extname(safe) : '';
    const stem = safe.slice(0, safe.length - extension.length);
    safe = truncateUtf8(stem, MAX_NAME_BYTES - Buffer.byteLength(extension)).trimEnd() + extension;
  }
  return safe === '' ? FALLBACK_NAME : safe;
}

/** `name`, then "stem (1).ext", "stem (2).ext"… */
function* variants(name: string): Generator<string> {
  yield name;
  const extension = extname(name);
  const stem = name.slice(0, name.length - extension.length);
  for (let n = 1; n < MAX_VARIANTS; n += 1) yield `${stem} (${n})${extension}`;
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}

function diskError(name: string, error: unknown): CodedError {
  const reason = error instanceof Error ? error.message : String(error);
  return new CodedError('disk', `Could not save ${name} in Downloads: ${reason}`, { cause: error });
}

/** One file being written. */
interface Sink {
  /** The safe name it will be kept under (or a variant of it). */
  name: string;
  /** The Downloads folder when it started: the file is kept next to its `.part`. */
  folder: string;
  partPath: string;
  handle: FileHandle;
  size: number;
  /** Bytes accepted so far (queued writes included). */
  accepted: number;
  /** Writes run one after another, in the order they came. */
  queue: Promise<void>;
  /** A write failed or the sink was dropped: the writes queued behind it do nothing. */
  dropped: boolean;
}

export class Downloads {
  private readonly sinks = new Map<string, Sink>();

  constructor(private readonly directory: () => string) {}

  /** Creates `<safe name>.part` (a variant if taken, never overwriting); returns the sink's id. */
  async saveFileStart(file: IncomingFile): Promise<string> {
    const name = safeFileName(file.name);
    const folder = this.directory();
    for (const candidate of variants(name)) {
      const partPath = join(folder, `${candidate}.part`);
      try {
        // `wx`: created here and now, never an existing file or a link planted in its place.
        const handle = await open(partPath, 'wx', 0o644);
        const id = randomUUID();
        this.sinks.set(id, {
          name,
          folder,
          partPath,
          handle,
          size: file.size,
          accepted: 0,
          queue: Promise.resolve(),
          dropped: false,
        });
        return id;
      } catch (error) {
        if (!isCode(error, 'EEXIST')) throw diskError(name, error);
      }
    }
    throw new CodedError('disk', `Could not find a free name for ${name} in Downloads.`);
  }

  /**
   * Appends `chunk`, after every chunk given before it. More bytes than announced are refused
   * (`too-large`) and a disk error (`disk`): either way the partial file is removed.
   */
  async saveFileChunk(id: string, chunk: Uint8Array): Promise<void> {
    // Everything up to the first await runs at once, so chunks are placed in call order.
    const sink = this.sink(id);
    if (sink.accepted + chunk.byteLength > sink.size) {
      await this.drop(id, sink);
      throw new CodedError(
        'too-large',
        `${sink.name} is larger than the ${sink.size} bytes announced.`,
      );
    }
    const position = sink.accepted;
    sink.accepted += chunk.byteLength;
    const write = sink.queue.then(async () => {
      if (sink.dropped) throw new Error('an earlier write failed');
      let done = 0;
      while (done < chunk.byteLength) {
        const length = chunk.byteLength - done;
        const { bytesWritten } = await sink.handle.write(chunk, done, length, position + done);
        done += bytesWritten;
      }
    });
    sink.queue = write.catch(() => undefined);
    try {
      await write;
    } catch (error) {
      await this.drop(id, sink);
      throw diskError(sink.name, error);
    }
  }

  /**
   * Closes a sink. `keep`: the whole announced size must be there; the file gets the first free
   * name of "name", "name (1)"… and its path is returned. Otherwise it is deleted (`null`); an
   * unknown or already dropped sink is then nothing to do.
   */
  async saveFileEnd(id: string, keep: boolean): Promise<string | null> {
    const sink = this.sinks.get(id);
    if (!sink) {
      if (keep) throw new CodedError('invalid-payload', 'This file is no longer being saved.');
      return null;
    }
    await sink.queue;
    if (!keep) {
      await this.drop(id, sink);
      return null;
    }
    if (sink.accepted !== sink.size) {
      await this.drop(id, sink);
      throw new CodedError(
        'invalid-payload',
        `${sink.name} is incomplete: ${sink.accepted} of ${sink.size} bytes.`,
      );
    }
    this.sinks.delete(id);
    try {
      await sink.handle.sync();
      await sink.handle.close();
      return await this.keep(sink);
    } catch (error) {
      sink.dropped = true;
      await unlink(sink.partPath).catch((cause: unknown) =>
        log.warn('partial file not removed', { name: sink.name, reason: String(cause) }),
      );
      throw error instanceof CodedError ? error : diskError(sink.name, error);
    }
  }

  /** Deletes every unfinished file (the app quits, the session ends). */
  async abandonAll(): Promise<void> {
    await Promise.all([...this.sinks].map(([id, sink]) => this.drop(id, sink)));
  }

  private sink(id: string): Sink {
    const sink = this.sinks.get(id);
    if (!sink) throw new CodedError('invalid-payload', 'This file is no longer being saved.');
    return sink;
  }

  /** Moves the finished `.part` to the first free variant of its name. */
  private async keep(sink: Sink): Promise<string> {
    for (const candidate of variants(sink.name)) {
      const target = join(sink.folder, candidate);
      try {
        // A hard link fails if the name exists, so no file is ever replaced.
        await link(sink.partPath, target);
        await unlink(sink.partPath);
        return target;
      } catch (error) {
        if (isCode(error, 'EEXIST')) continue;
        // Some file systems (FAT, some network shares) have no hard links: check, then rename.
        if (await exists(target)) continue;
        await rename(sink.partPath, target);
        return target;
      }
    }
    throw new CodedError('disk', `Could not find a free name for ${sink.name} in Downloads.`);
  }

  /** Forgets a sink and deletes its partial file. */
  private async drop(id: string, sink: Sink): Promise<void> {
    if (this.sinks.get(id) !== sink) return;
    this.sinks.delete(id);
    sink.dropped = true;
    await sink.queue;
    try {
      await sink.handle.close();
    } catch (error) {
      // Closing can fail as the write did (a removed disk); deleting the file is what matters.
      log.warn('partial file not closed', { name: sink.name, reason: String(error) });
    }
    try {
      await unlink(sink.partPath);
    } catch (error) {
      if (!isCode(error, 'ENOENT')) {
        log.warn('partial file not removed', { name: sink.name, reason: String(error) });
      }
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (isCode(error, 'ENOENT')) return false;
    throw error;
  }
}
