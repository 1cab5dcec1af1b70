/**
 * Received files, streamed into the Downloads folder: written as `<name>.part` chunk by chunk
 * (never held in memory), then renamed to a safe unique name when the checksum matched, or
 * deleted. (Being built.)
 */
import type { IncomingFile } from '../common/bridge-api.js';
import { CodedError } from '../common/errors.js';

export class Downloads {
  constructor(private readonly directory: () => string) {}

  saveFileStart(file: IncomingFile): Promise<string> {
    void file;
    void this.directory;
    return Promise.reject(new CodedError('unsupported', 'Receiving files is being built.'));
  }

  saveFileChunk(id: string, chunk: Uint8Array): Promise<void> {
    void id;
    void chunk;
    return Promise.reject(new CodedError('unsupported', 'Receiving files is being built.'));
  }

  saveFileEnd(id: string, keep: boolean): Promise<string | null> {
    void id;
    void keep;
    return Promise.reject(new CodedError('unsupported', 'Receiving files is being built.'));
  }

  /** Deletes every unfinished file (the app quits, the session ends). */
  async abandonAll(): Promise<void> {}
}
