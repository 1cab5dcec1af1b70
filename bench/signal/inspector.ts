/**
 * Profiles a running server from the outside through the V8 inspector, so no server (the
 * appel-signal CLI included, which takes no Node flags: NODE_OPTIONS refuses `--cpu-prof` on
 * Node 20) needs profiling code or flags: SIGUSR1 opens the inspector on 127.0.0.1:9229, and the
 * bench drives the Profiler and HeapProfiler domains over its WebSocket. One server at a time.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import WebSocket from 'ws';

const INSPECTOR = 'http://127.0.0.1:9229';
const ATTACH_TIMEOUT_MS = 10_000;

interface Response {
  id?: number;
  method?: string;
  params?: { chunk?: string };
  result?: unknown;
  error?: { message: string };
}

export class Inspector {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(e: Error): void }>();
  #nextId = 0;
  /** Receives `HeapProfiler.addHeapSnapshotChunk` while a snapshot is being taken. */
  #onChunk: ((chunk: string) => void) | undefined;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (data) => {
      const message = JSON.parse((data as Buffer).toString()) as Response;
      if (message.method === 'HeapProfiler.addHeapSnapshotChunk') {
        this.#onChunk?.(message.params?.chunk ?? '');
        return;
      }
      const waiter = message.id === undefined ? undefined : this.#pending.get(message.id);
      if (waiter === undefined) return;
      this.#pending.delete(message.id as number);
      if (message.error) waiter.reject(new Error(`inspector: ${message.error.message}`));
      else waiter.resolve(message.result);
    });
  }

  /** Opens the inspector of process `pid` (SIGUSR1) and connects to it. */
  static async attach(pid: number): Promise<Inspector> {
    process.kill(pid, 'SIGUSR1');
    const deadline = Date.now() + ATTACH_TIMEOUT_MS;
    for (;;) {
      try {
        const targets = (await (await fetch(`${INSPECTOR}/json/list`)).json()) as {
          webSocketDebuggerUrl: string;
        }[];
        const url = targets[0]?.webSocketDebuggerUrl;
        if (url === undefined) throw new Error('inspector lists no target');
        const socket = new WebSocket(url, { maxPayload: 1 << 30 });
        await once(socket, 'open');
        return new Inspector(socket);
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(`inspector of ${pid} did not open`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Starts sampling, every 250 µs by default (--cpu-prof samples every 1 ms). */
  async startProfile(intervalMicros = 250): Promise<void> {
    await this.send('Profiler.enable');
    await this.send('Profiler.setSamplingInterval', { interval: intervalMicros });
    await this.send('Profiler.start');
  }

  /** Stops sampling and writes the `.cpuprofile` (Chrome DevTools opens it). */
  async stopProfile(file: string): Promise<void> {
    const { profile } = (await this.send('Profiler.stop')) as { profile: unknown };
    const out = createWriteStream(file);
    out.end(JSON.stringify(profile));
    await once(out, 'finish');
  }

  /** Writes a heap snapshot (V8 collects garbage first, so it holds live objects only). */
  async heapSnapshot(file: string): Promise<void> {
    const out = createWriteStream(file);
    this.#onChunk = (chunk) => out.write(chunk);
    try {
      await this.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    } finally {
      this.#onChunk = undefined;
      out.end();
    }
    await once(out, 'finish');
  }

  close(): void {
    this.#socket.close();
  }
}
