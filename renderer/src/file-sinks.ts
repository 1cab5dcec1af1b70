/**
 * Where a received file goes while it arrives, so that it is never held whole in memory:
 * - the desktop app: main writes it into Downloads (bridge.saveFile*, main/downloads.ts);
 * - a browser: the origin private file system (OPFS), then a download of that disk-backed file;
 * - a browser without OPFS (a private window, an older browser): memory, with a warning for
 *   large files ({@link MEMORY_WARNING_SIZE}).
 * Each page keeps its OPFS files in a folder of its own, held by a Web Lock while the page
 * lives; a page sweeps the folders whose lock is free, left by pages that closed.
 */
import type { SignalingBridge } from '../../common/bridge-api.js';

/** Above this size a file that can only be kept in memory gets a warning before Accept. */
export const MEMORY_WARNING_SIZE = 500 * 1000 * 1000;

const FOLDER_PREFIX = 'appel-received-';

/** A received file, kept. */
export type KeptFile =
  /** Desktop: the file's path in Downloads. */
  | { kind: 'saved'; path: string }
  /** Browser: a `blob:` URL to offer as a download, and how to let go of the file. */
  | { kind: 'download'; url: string; release(): Promise<void> };

/** The bytes of one received file on their way to where it is kept. */
export interface FileSink {
  /** Appends bytes; rejects when they cannot be stored (disk full, removed). */
  write(block: Uint8Array<ArrayBuffer>): Promise<void>;
  /** The whole file arrived intact: keep it. */
  keep(): Promise<KeptFile>;
  /** Cancelled or damaged: remove what was written. */
  discard(): Promise<void>;
}

/** How this page keeps received files. */
export type Storage = 'downloads' | 'disk' | 'memory';

/** Saves through main into the Downloads folder. */
class DownloadsSink implements FileSink {
  constructor(
    private readonly bridge: SignalingBridge,
    private readonly id: string,
  ) {}

  write(block: Uint8Array<ArrayBuffer>): Promise<void> {
    return this.bridge.saveFileChunk(this.id, block);
  }

  async keep(): Promise<KeptFile> {
    const path = await this.bridge.saveFileEnd(this.id, true);
    if (path === null) throw new Error('the file was not saved');
    return { kind: 'saved', path };
  }

  async discard(): Promise<void> {
    await this.bridge.saveFileEnd(this.id, false);
  }
}

/** Writes into a file of this page's OPFS folder. */
class DiskSink implements FileSink {
  private constructor(
    private readonly folder: FileSystemDirectoryHandle,
    private readonly name: string,
    private readonly handle: FileSystemFileHandle,
    private readonly writable: FileSystemWritableFileStream,
  ) {}

  static async open(folder: FileSystemDirectoryHandle, name: string): Promise<DiskSink> {
    const handle = await folder.getFileHandle(name, { create: true });
    return new DiskSink(folder, name, handle, await handle.createWritable());
  }

  write(block: Uint8Array<ArrayBuffer>): Promise<void> {
    return this.writable.write(block);
  }

  async keep(): Promise<KeptFile> {
    await this.writable.close();
    // A File read from OPFS is backed by the disk: the download streams it from there.
    const url = URL.createObjectURL(await this.handle.getFile());
    return {
      kind: 'download',
      url,
      release: async () => {
        URL.revokeObjectURL(url);
        await this.folder.removeEntry(this.name);
      },
    };
  }

  async discard(): Promise<void> {
    try {
      await this.writable.abort();
    } catch (error) {
      // Already closed or errored (the write that failed): the entry is removed below anyway.
      console.warn('appel:files writer not aborted', error);
    }
    await this.folder.removeEntry(this.name);
  }
}

/** Holds the file in memory: only where the page has no disk of its own. */
class MemorySink implements FileSink {
  private parts: Uint8Array<ArrayBuffer>[] = [];

  write(block: Uint8Array<ArrayBuffer>): Promise<void> {
    this.parts.push(block);
    return Promise.resolve();
  }

  keep(): Promise<KeptFile> {
    const url = URL.createObjectURL(new Blob(this.parts));
    this.parts = [];
    return Promise.resolve({
      kind: 'download',
      url,
      release: () => Promise.resolve(URL.revokeObjectURL(url)),
    });
  }

  discard(): Promise<void> {
    this.parts = [];
    return Promise.resolve();
  }
}

let pageFolder: Promise<FileSystemDirectoryHandle | null> | undefined;

/** This page's OPFS folder, or `null` where the browser gives none. */
function receivedFolder(): Promise<FileSystemDirectoryHandle | null> {
  pageFolder ??= openPageFolder().catch((error: unknown) => {
    console.warn('appel:files no private file system here: files are kept in memory', error);
    return null;
  });
  return pageFolder;
}

async function openPageFolder(): Promise<FileSystemDirectoryHandle | null> {
  const writable =
    typeof FileSystemFileHandle !== 'undefined' &&
    'createWritable' in FileSystemFileHandle.prototype;
  if (!writable || !navigator.storage?.getDirectory || !navigator.locks) return null;
  const root = await navigator.storage.getDirectory();
  const name = `${FOLDER_PREFIX}${crypto.randomUUID()}`;
  // Taken before the folder exists and held until the page goes: a folder without its lock
  // belongs to no live page.
  await new Promise<void>((granted) => {
    void navigator.locks.request(name, () => {
      granted();
      return new Promise<never>(() => undefined);
    });
  });
  await sweep(root).catch((error: unknown) =>
    console.warn('appel:files old received files not removed', error),
  );
  return root.getDirectoryHandle(name, { create: true });
}

/** Removes the folders that pages which closed left behind. */
async function sweep(root: FileSystemDirectoryHandle): Promise<void> {
  const names: string[] = [];
  for await (const name of root.keys()) if (name.startsWith(FOLDER_PREFIX)) names.push(name);
  await Promise.all(
    names.map((name) =>
      navigator.locks.request(name, { ifAvailable: true }, async (lock) => {
        if (lock) await root.removeEntry(name, { recursive: true });
      }),
    ),
  );
}

/** Where this page keeps received files. */
export async function storage(bridge: SignalingBridge): Promise<Storage> {
  if (bridge.platform === 'desktop') return 'downloads';
  return (await receivedFolder()) ? 'disk' : 'memory';
}

/** Opens where the file `{id, name, size}` will be written. */
export async function openSink(
  bridge: SignalingBridge,
  file: { id: string; name: string; size: number },
): Promise<FileSink> {
  if (bridge.platform === 'desktop') {
    const sinkId = await bridge.saveFileStart({ name: file.name, size: file.size });
    return new DownloadsSink(bridge, sinkId);
  }
  const folder = await receivedFolder();
  return folder ? DiskSink.open(folder, file.id) : new MemorySink();
}
