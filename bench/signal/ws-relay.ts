/**
 * The floor: the least a relay over TLS can cost in Node. node:https + ws, one JSON message per
 * event, no Socket.IO framing, acks, rooms or heartbeats. Clients send `{type, to, payload}`;
 * the target gets `{type, from, payload}`; on connect a client gets `{type: newUser, payload: id}`.
 *
 * `node ws-relay.js --cert FILE --key FILE`: listens on 127.0.0.1 and a free port, prints
 * `listening <port>` on stdout, exits on SIGTERM. The bench runs it as a child process.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { WebSocketServer, type WebSocket } from 'ws';
import { Events } from '../../common/protocol.js';

/** What a client sends. */
export interface WsRelayRequest {
  type: string;
  to: string;
  payload: unknown;
}

/** What a client receives. */
export interface WsRelayMessage {
  type: string;
  from?: string;
  payload: unknown;
}

const { values } = parseArgs({
  options: { cert: { type: 'string' }, key: { type: 'string' } },
});
if (values.cert === undefined || values.key === undefined) {
  throw new Error('ws-relay: --cert and --key are required');
}

const server = createServer({ cert: readFileSync(values.cert), key: readFileSync(values.key) });
const wss = new WebSocketServer({ server });
const peers = new Map<string, WebSocket>();
let nextId = 0;

wss.on('connection', (socket) => {
  const id = (++nextId).toString(36);
  peers.set(id, socket);
  socket.on('close', () => peers.delete(id));
  socket.on('message', (data) => {
    // Anything but a well-formed request to a known peer is dropped: the floor has no errors.
    let request: Partial<WsRelayRequest>;
    try {
      request = JSON.parse((data as Buffer).toString()) as Partial<WsRelayRequest>;
    } catch {
      return;
    }
    const target = typeof request.to === 'string' ? peers.get(request.to) : undefined;
    if (target === undefined || typeof request.type !== 'string') return;
    const message: WsRelayMessage = { type: request.type, from: id, payload: request.payload };
    target.send(JSON.stringify(message));
  });
  const welcome: WsRelayMessage = { type: Events.newUser, payload: id };
  socket.send(JSON.stringify(welcome));
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => {
  for (const socket of peers.values()) socket.terminate();
  wss.close(() => server.close(() => process.exit(0)));
});
