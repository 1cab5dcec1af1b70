/**
 * The contract between the bench (run.ts) and its load-generator processes: one command at a
 * time over the fork() IPC channel (structured-clone serialization), each answered by exactly one
 * reply. Shared by both sides, so neither spells a command name on its own.
 */

/** Which client library and wire format a generator speaks. */
export type ClientProtocol = 'socket.io' | 'ws';

/** What one generator connects and drives. */
export interface GeneratorPlan {
  protocol: ClientProtocol;
  /** `https://127.0.0.1:<port>` */
  url: string;
  /** The server certificate, trusted as the only CA. */
  certPem: string;
  /** Active pairs: clients 2i and 2i+1 signal each other every period. */
  pairs: number;
  /** Idle clients, joined in rooms of {@link GeneratorPlan.roomSize} (socket.io only). */
  idleClients: number;
  roomSize: number;
  /** ICE candidates each side sends per round, after its offer or answer. */
  candidates: number;
  /** How often each pair runs its round, ms. */
  periodMs: number;
  /** Connections in flight at once while connecting (TLS + WebSocket + `newUser`). */
  concurrency: number;
  /** This generator's index and the count of generators, to spread rounds over the period. */
  index: number;
  generators: number;
}

export type GeneratorCommand =
  | { kind: 'connect'; plan: GeneratorPlan }
  /** Begin the rounds (warm-up: nothing recorded yet). */
  | { kind: 'start' }
  /** Open the measured window. */
  | { kind: 'record' }
  /** Close the measured window. */
  | { kind: 'stop-record' }
  /** Stop the rounds, wait for messages still in flight, report. */
  | { kind: 'finish'; drainMs: number }
  | { kind: 'close' };

export interface GeneratorResult {
  /** Send → receive of each message sent inside the window, ms, this process's clock. */
  latencies: Float64Array;
  /** Messages received while the window was open (whenever sent). */
  receivedInWindow: number;
  /** Messages sent inside the window that never arrived (after the drain). */
  lost: number;
  /** Messages with a sequence number this generator never sent or already got. */
  unexpected: number;
  /** This process's CPU time inside the window, µs, and its event-loop utilisation (0–1). */
  cpuMicros: number;
  eventLoopUtilization: number;
}

export type GeneratorReply =
  | { kind: 'ready' }
  | { kind: 'connected'; ms: number; clients: number }
  | { kind: 'done' }
  | { kind: 'result'; result: GeneratorResult }
  | { kind: 'error'; message: string };
