/**
 * The files panel as a Firefox guest (puppeteer-core over WebDriver BiDi) shows it: a transfer's
 * state line, its buttons by accessible name, and the SHA-256 of the files the page keeps.
 */
import type { Page } from 'puppeteer-core';

/** A puppeteer selector for the element with this role and accessible name. */
export function aria(role: string, name: string): string {
  return `::-p-aria([name=${JSON.stringify(name)}][role="${role}"])`;
}

/** Waits until the row of the transfer of `name` states `state`. */
export async function waitForFoxTransfer(page: Page, name: string, state: string): Promise<void> {
  await page.waitForFunction(
    (file, words) =>
      [...document.querySelectorAll('.files-row')].some(
        (row) =>
          row.querySelector('.files-name')?.textContent === file &&
          row.querySelector('.files-state')?.textContent === words,
      ),
    { timeout: 60_000 },
    name,
    state,
  );
}

/**
 * The SHA-256 of every file the page keeps in its origin private file system, where a received
 * file waits to be saved (its Save link is a blob: URL of that very file, which the page's CSP,
 * connect-src 'self', does not let a test fetch).
 */
export function foxKeptSha256s(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const hashes: string[] = [];
    const walk = async (folder: FileSystemDirectoryHandle): Promise<void> => {
      for await (const entry of folder.values()) {
        if (entry.kind === 'directory') {
          await walk(entry);
          continue;
        }
        const bytes = await (await entry.getFile()).arrayBuffer();
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
        hashes.push([...digest].map((byte) => byte.toString(16).padStart(2, '0')).join(''));
      }
    };
    await walk(await navigator.storage.getDirectory());
    return hashes;
  });
}
