/** Small JSON files in userData, written so that a crash mid-write leaves the old file whole. */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes `value` as JSON to a temporary file beside `file`, then renames it over `file`. */
export async function writeJsonAtomically(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The outcome of reading a JSON file that may be missing or damaged. */
export type JsonRead =
  | { status: 'missing' }
  | { status: 'ok'; value: unknown }
  | { status: 'unreadable'; error: string };

export async function readJson(file: string): Promise<JsonRead> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    return { status: 'unreadable', error: error instanceof Error ? error.message : String(error) };
  }
  try {
    return { status: 'ok', value: JSON.parse(text) };
  } catch (error) {
    return {
      status: 'unreadable',
      error: `not valid JSON (${error instanceof Error ? error.message : String(error)})`,
    };
  }
}
