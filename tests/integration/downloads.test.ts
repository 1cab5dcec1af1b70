/**
 * Received files in the Downloads folder (main/downloads.ts), on real files in a temp folder:
 * safe and unique names, writes in order, the announced size as a hard limit, partial files
 * removed on cancel, on a full disk (a real tiny tmpfs) and when the app quits.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { errorCodeOf } from '../../common/errors.js';
import { Downloads, safeFileName } from '../../main/downloads.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'appel-downloads-'));
  dirs.push(dir);
  return dir;
}

/** Saves `bytes` under `name` in chunks of `chunkSize`, awaiting each, and keeps it. */
async function save(
  downloads: Downloads,
  name: string,
  bytes: Uint8Array,
  chunkSize = 64 * 1024,
): Promise<string | null> {
  const id = await downloads.saveFileStart({ name, size: bytes.byteLength });
  for (let offset = 0; offset < bytes.byteLength; offset += chunkSize) {
    await downloads.saveFileChunk(id, bytes.subarray(offset, offset + chunkSize));
  }
  return downloads.saveFileEnd(id, true);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The rejection's code, as the page reads it after IPC. */
async function codeOf(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise;
  } catch (error) {
    return errorCodeOf(error);
  }
  throw new Error('expected a rejection');
}

describe('safeFileName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', '_.._etc_passwd'],
    ['..\\..\\Windows\\win.ini', '_.._Windows_win.ini'],
    ['/absolute/path.txt', '_absolute_path.txt'],
    ['.bashrc', 'bashrc'],
    ['...', 'file'],
    ['', 'file'],
    ['  spaced  ', 'spaced'],
    ['trailing. . .', 'trailing'],
    ['line\nbreak\u0000nul\u007f.txt', 'line_break_nul_.txt'],
    ['a<b>c:d"e|f?g*h.txt', 'a_b_c_d_e_f_g_h.txt'],
    ['CON', '_CON'],
    ['nul.txt', '_nul.txt'],
    ['com1.tar.gz', '_com1.tar.gz'],
    ['Lpt9', '_Lpt9'],
    ['console.log', 'console.log'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['e\u0301te\u0301.txt', 'été.txt'],
  ])('%j becomes %j', (name, safe) => {
    expect(safeFileName(name)).toBe(safe);
  });

  it('shortens a long name to 200 bytes, keeping its extension and whole characters', () => {
    const safe = safeFileName(`${'é'.repeat(300)}.jpeg`);
    expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(200);
    expect(safe).toMatch(/^é+\.jpeg$/);
    expect(safe.length).toBe(97 + 5);
  });
});

describe('Downloads', () => {
  it('writes the chunks in order into a .part, then keeps it under its name', async () => {
    const dir = await tempDir();
    const downloads = new Downloads(() => dir);
    const bytes = randomBytes(1_000_003);
    const id = await downloads.saveFileStart({ name: 'report.pdf', size: bytes.byteLength });
    expect(await readdir(dir)).toEqual(['report.pdf.part']);
    // A window of writes in flight at once, as the page sends them: they land in order.
    const writes: Promise<void>[] = [];
    for (let offset = 0; offset < bytes.byteLength; offset += 100_000) {
      writes.push(downloads.saveFileChunk(id, bytes.subarray(offset, offset + 100_000)));
    }
    await Promise.all(writes);

    const path = await downloads.saveFileEnd(id, true);

    expect(path).toBe(join(dir, 'report.pdf'));
    expect(await readdir(dir)).toEqual(['report.pdf']);
    expect(sha256(await readFile(join(dir, 'report.pdf')))).toBe(sha256(bytes));
  });

  it('gives a taken name the first free "name (n).ext", never replacing a file', async () => {
    const dir = await tempDir();
    const downloads = new Downloads(() => dir);
    await writeFile(join(dir, 'report.pdf'), 'the user’s own file');

    const first = await save(downloads, 'report.pdf', Buffer.from('first'));
    const second = await save(downloads, 'report.pdf', Buffer.from('second'));
    const bare = await save(downloads, 'README', Buffer.from('a'));
    const bareAgain = await save(downloads, 'README', Buffer.from('b'));

    expect(first).toBe(join(dir, 'report (1).pdf'));
    expect(second).toBe(join(dir, 'report (2).pdf'));
    expect([bare, bareAgain]).toEqual([join(dir, 'README'), join(dir, 'README (1)')]);
    expect(await readFile(join(dir, 'report.pdf'), 'utf8')).toBe('the user’s own file');
    expect(await readFile(join(dir, 'report (2).pdf'), 'utf8')).toBe('second');
    expect((await readdir(dir)).filter((name) => name.endsWith('.part'))).toEqual([]);
  });

  it('writes only inside the folder, whatever the name says', async () => {
    const root = await tempDir();
    const dir = join(root, 'Downloads');
    await mkdir(dir);
    const downloads = new Downloads(() => dir);

    const path = await save(downloads, '../escaped.txt', Buffer.from('x'));

    expect(path && dirname(path)).toBe(dir);
    expect((await readdir(root)).sort()).toEqual(['Downloads']);
  });

  it('never writes through a link planted where the .part would go', async () => {
    const dir = await tempDir();
    const outside = join(await tempDir(), 'precious.txt');
    await writeFile(outside, 'untouched');
    await symlink(outside, join(dir, 'notes.txt.part'));
    const downloads = new Downloads(() => dir);

    const path = await save(downloads, 'notes.txt', Buffer.from('received'));

    expect(path).toBe(join(dir, 'notes.txt'));
    expect(await readFile(outside, 'utf8')).toBe('untouched');
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('received');
  });

  it('refuses more bytes than announced and removes the partial file', async () => {
    const dir = await tempDir();
    const downloads = new Downloads(() => dir);
    const id = await downloads.saveFileStart({ name: 'small.bin', size: 10 });
    await downloads.saveFileChunk(id, new Uint8Array(6));

    expect(await codeOf(downloads.saveFileChunk(id, new Uint8Array(5)))).toBe('too-large');

    expect(await readdir(dir)).toEqual([]);
    expect(await codeOf(downloads.saveFileChunk(id, new Uint8Array(1)))).toBe('invalid-payload');
    await expect(downloads.saveFileEnd(id, false)).resolves.toBeNull();
  });

  it('does not keep a file shorter than announced', async () => {
    const dir = await tempDir();
    const downloads = new Downloads(() => dir);
    const id = await downloads.saveFileStart({ name: 'short.bin', size: 10 });
    await downloads.saveFileChunk(id, new Uint8Array(9));

    expect(await codeOf(downloads.saveFileEnd(id, true))).toBe('invalid-payload');
    expect(await readdir(dir)).toEqual([]);
  });

  it('deletes the partial file when the transfer is cancelled', async () => {
    const dir = await tempDir();
    const downloads = new Downloads(() => dir);
    const id = await downloads.saveFileStart({ name: 'movie.mkv', size: 1000 });
    await downloads.saveFileChunk(id, new Uint8Array(500));

    await expect(downloads.saveFileEnd(id, false)).resolves.toBeNull();

    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps an empty file', async () => {
    const dir = await tempDir();
    const downloads = new Downloads(() => dir);
    expect(await save(downloads, 'empty.txt', new Uint8Array(0))).toBe(join(dir, 'empty.txt'));
    expect((await readFile(join(dir, 'empty.txt'))).byteLength).toBe(0);
  });

  it('abandonAll removes every unfinished .part and leaves kept files', async () => {
    const dir = await tempDir();
    const downloads = new Downloads(() => dir);
    await save(downloads, 'kept.txt', Buffer.from('kept'));
    const a = await downloads.saveFileStart({ name: 'a.bin', size: 100 });
    await downloads.saveFileStart({ name: 'b.bin', size: 100 });
    await downloads.saveFileChunk(a, new Uint8Array(50));
    expect((await readdir(dir)).sort()).toEqual(['a.bin.part', 'b.bin.part', 'kept.txt']);

    await downloads.abandonAll();

    expect(await readdir(dir)).toEqual(['kept.txt']);
    expect(await codeOf(downloads.saveFileChunk(a, new Uint8Array(1)))).toBe('invalid-payload');
  });

  it('a full disk rejects with code "disk" and the partial file is removed', async () => {
    // A real 256 KiB tmpfs, mounted in a mount namespace of its own (nothing else sees it).
    const dir = await tempDir();
    const script = `
      const [downloadsUrl, errorsUrl, dir] = process.argv.slice(1);
      const { Downloads } = await import(downloadsUrl);
      const { errorCodeOf } = await import(errorsUrl);
      const { readdir } = await import('node:fs/promises');
      const downloads = new Downloads(() => dir);
      const id = await downloads.saveFileStart({ name: 'big.bin', size: 1 << 20 });
      const outcome = { written: 0, code: null, files: null, after: null };
      try {
        for (;;) {
          await downloads.saveFileChunk(id, new Uint8Array(64 * 1024).fill(7));
          outcome.written += 64 * 1024;
        }
      } catch (error) {
        outcome.code = errorCodeOf(error);
      }
      outcome.files = await readdir(dir);
      outcome.after = await downloads.saveFileEnd(id, false);
      console.log(JSON.stringify(outcome));
    `;
    const moduleUrl = (path: string) => new URL(path, import.meta.url).href;
    const { stdout } = await promisify(execFile)(
      'unshare',
      [
        '-rm',
        'sh',
        '-c',
        'mount -t tmpfs -o size=256k tmpfs "$0" && exec "$@"',
        dir,
        process.execPath,
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script,
        moduleUrl('../../main/downloads.ts'),
        moduleUrl('../../common/errors.ts'),
        dir,
      ],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)) },
    );

    const outcome = JSON.parse(stdout) as Record<string, unknown>;
    expect(outcome).toMatchObject({ code: 'disk', files: [], after: null });
    expect(outcome.written).toBeGreaterThan(0);
    expect(outcome.written).toBeLessThanOrEqual(256 * 1024);
  });
});
