/**
 * The baseline: the signaling server of the WebRTC tutorial Appel grew from, as people deploy it
 * (express 5 + node:https + Socket.IO): `newUser` on connect and three relay handlers, nothing
 * else. No rooms, validation, limits or acks; what appel-signal adds is measured against this.
 *
 * `node tutorial-server.js --cert FILE --key FILE`: listens on 127.0.0.1 and a free port, prints
 * `listening <port>` on stdout, exits on SIGTERM. The bench runs it as a child process.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import express from 'express';
import { Server } from 'socket.io';
import {
  Events,
  type AnswerRequest,
  type CandidateRequest,
  type ClientToServerEvents,
  type OfferRequest,
  type ServerToClientEvents,
} from '../../common/protocol.js';

const { values } = parseArgs({
  options: { cert: { type: 'string' }, key: { type: 'string' } },
});
if (values.cert === undefined || values.key === undefined) {
  throw new Error('tutorial-server: --cert and --key are required');
}

const app = express();
const server = createServer(
  { cert: readFileSync(values.cert), key: readFileSync(values.key) },
  app,
);
const io = new Server<ClientToServerEvents, ServerToClientEvents>(server);

io.on('connection', (socket) => {
  socket.emit(Events.newUser, socket.id);
  socket.on(Events.offer, ({ offer, to }: OfferRequest) => {
    io.to(to).emit(Events.offer, { offer, from: socket.id });
  });
  socket.on(Events.answer, ({ answer, to }: AnswerRequest) => {
    io.to(to).emit(Events.answer, { answer, from: socket.id });
  });
  socket.on(Events.candidate, ({ candidate, to }: CandidateRequest) => {
    io.to(to).emit(Events.candidate, { candidate, from: socket.id });
  });
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => {
  void io.close(() => process.exit(0));
});
