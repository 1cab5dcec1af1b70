/**
 * A per-test stack of teardown steps: servers, clients, browsers and temp folders registered as
 * a test creates them, undone in reverse order after it, even when the test or a step fails.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Cleanup = () => unknown;

export interface Cleanups {
  /** Registers a teardown step; steps run last-in, first-out. */
  push(cleanup: Cleanup): void;
  /** A fresh temp folder, removed at teardown. */
  tempDir(prefix: string): Promise<string>;
  /** Runs every step, even after one failed; rethrows the first failure. */
  run(): Promise<void>;
}

export function createCleanups(): Cleanups {
  const steps: Cleanup[] = [];
  return {
    push: (cleanup) => void steps.push(cleanup),
    async tempDir(prefix) {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      steps.push(() => rm(dir, { recursive: true, force: true }));
      return dir;
    },
    async run() {
      const failures: unknown[] = [];
      for (const cleanup of steps.splice(0).reverse()) {
        try {
          await cleanup();
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) throw failures[0];
    },
  };
}
