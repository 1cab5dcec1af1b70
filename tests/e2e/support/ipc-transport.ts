/**
 * Electron's IPC transport, substituted so the app's real preload bridge and real main handlers
 * can run with a page in plain Chromium:
 * - the preload's `createBridge` (preload/bridge.ts) is bundled for the browser and run by an init
 *   script before the page's own scripts, with `window.appel` defined read-only as contextBridge
 *   would;
 * - its `ipcRenderer` stand-in sends invokes to Node over `page.exposeBinding`, where they reach
 *   the handler main registered on a {@link TestIpcMain}; failures come back worded as Electron
 *   words them ("Error invoking remote method …");
 * - main → page events are delivered in order with `page.evaluate`, listener first argument an
 *   IPC-event-like object, as `ipcRenderer.on` does.
 */
import { fileURLToPath } from 'node:url';
import type { Frame, Page } from '@playwright/test';
import { build, type Rolldown } from 'vite';
import type { IpcMainLike } from '../../../main/ipc.js';

/** What a handler sees as its IPC event: the page and frame that invoked. */
export interface PageIpcEvent {
  sender: Page;
  senderFrame: Frame;
}

type Handler = (event: PageIpcEvent, ...args: unknown[]) => unknown;

/** A minimal `ipcMain`: main's code registers its handlers here. */
export class TestIpcMain implements IpcMainLike<PageIpcEvent> {
  readonly handlers = new Map<string, Handler>();

  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel)) {
      // Electron throws the same way for a second handler on one channel.
      throw new Error(`Attempted to register a second handler for '${channel}'`);
    }
    this.handlers.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
}

const INVOKE_BINDING = '__appelTestIpcInvoke';
const EMIT_FUNCTION = '__appelTestIpcEmit';
const BUNDLE_GLOBAL = '__appelTestPreload';

type InvokeOutcome = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * Bundles preload/bridge.ts into a classic script defining `__appelTestPreload.createBridge`,
 * with the same bundler that builds the app's preload.
 */
export async function bundlePreloadBridge(): Promise<string> {
  const entry = fileURLToPath(new URL('../../../preload/bridge.ts', import.meta.url));
  const output = await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      write: false,
      minify: false,
      lib: { entry, formats: ['iife'], name: BUNDLE_GLOBAL, fileName: 'preload-bridge' },
    },
  });
  const results = (Array.isArray(output) ? output : [output]) as Rolldown.RolldownOutput[];
  const chunk = results.flatMap((result) => result.output).find((item) => item.type === 'chunk');
  if (!chunk) throw new Error('Bundling preload/bridge.ts produced no script');
  return chunk.code;
}

/** Runs in the page before its scripts: the ipcRenderer stand-in and the preload's bridge. */
function installPreload(
  names: { invoke: string; emit: string },
  preload: { createBridge(ipc: unknown): object },
): void {
  type Listener = (event: unknown, ...args: unknown[]) => void;
  const scope = window as unknown as Record<string, unknown>;
  const invokeInNode = scope[names.invoke] as (
    channel: string,
    args: unknown[],
  ) => Promise<InvokeOutcome>;
  const listeners = new Map<string, Set<Listener>>();
  const ipcRenderer = {
    async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
      const outcome = await invokeInNode(channel, args);
      if (outcome.ok) return outcome.value;
      throw new Error(`Error invoking remote method '${channel}': Error: ${outcome.message}`);
    },
    on(channel: string, listener: Listener): void {
      const set = listeners.get(channel) ?? new Set<Listener>();
      set.add(listener);
      listeners.set(channel, set);
    },
    removeListener(channel: string, listener: Listener): void {
      listeners.get(channel)?.delete(listener);
    },
  };
  Object.defineProperty(window, names.emit, {
    value: (channel: string, payload: unknown) => {
      const event = { type: 'ipc-event', senderId: 0 };
      for (const listener of [...(listeners.get(channel) ?? [])]) listener(event, payload);
    },
  });
  const bridge = preload.createBridge(ipcRenderer);
  // contextBridge hands the page a frozen copy on a non-writable property.
  Object.defineProperty(window, 'appel', { value: Object.freeze(bridge), enumerable: true });
}

export interface PageIpc {
  /** Delivers a main → page event (the `send` of main's forwardEvents). */
  send(channel: string, payload: unknown): void;
  /** Resolves once every event sent so far reached the page. */
  flushed(): Promise<void>;
  /** Errors met delivering events (a closed page…), for the test to assert none. */
  readonly errors: string[];
}

/**
 * Installs the bundled preload and the IPC stand-in on `page` (call before `page.goto`). Invokes
 * are answered by the handlers on `ipcMain`.
 */
export async function connectPageIpc(
  page: Page,
  ipcMain: TestIpcMain,
  preloadBundle: string,
): Promise<PageIpc> {
  await page.exposeBinding(INVOKE_BINDING, async (source, channel: string, args: unknown[]) => {
    const handler = ipcMain.handlers.get(channel);
    if (!handler) return { ok: false, message: `No handler registered for '${channel}'` };
    try {
      const value = await handler({ sender: source.page, senderFrame: source.frame }, ...args);
      return { ok: true, value } satisfies InvokeOutcome;
    } catch (error) {
      return {
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      } satisfies InvokeOutcome;
    }
  });
  const names = { invoke: INVOKE_BINDING, emit: EMIT_FUNCTION };
  // Playwright runs an init script in its own function scope, where the bundle's `var` lives.
  await page.addInitScript({
    content:
      `${preloadBundle}\n;(${installPreload.toString()})` +
      `(${JSON.stringify(names)}, ${BUNDLE_GLOBAL});`,
  });

  const errors: string[] = [];
  let queue: Promise<void> = Promise.resolve();
  return {
    errors,
    send(channel, payload) {
      queue = queue.then(async () => {
        if (page.isClosed()) return;
        try {
          await page.evaluate(
            ([emit, ch, data]) => {
              const deliver = (window as unknown as Record<string, unknown>)[emit] as (
                channel: string,
                payload: unknown,
              ) => void;
              deliver(ch, data);
            },
            [EMIT_FUNCTION, channel, payload] as const,
          );
        } catch (error) {
          if (!page.isClosed()) errors.push(`${channel}: ${String(error)}`);
        }
      });
    },
    flushed: () => queue,
  };
}
