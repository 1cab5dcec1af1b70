/**
 * The smallest load balancer: a TCP listener on 127.0.0.1 that forwards each new connection to
 * the first backend port that accepts it. TLS passes through untouched, as with a TCP (layer 4)
 * balancer in front of signaling nodes; a stopped node refuses, so its clients land on the next.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface TcpBalancer {
  port: number;
  /** `https://127.0.0.1:<port>`: what clients connect to. */
  url: string;
  /** Backend ports, tried in order for each new connection; may be changed at any time. */
  backends: number[];
  /** Closes the listener and every forwarded connection. */
  close(): Promise<void>;
}

export async function startTcpBalancer(backends: number[]): Promise<TcpBalancer> {
  const open = new Set<Socket>();
  const track = (socket: Socket): void => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };

  const balancer: TcpBalancer = {
    port: 0,
    url: '',
    backends: [...backends],
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };

  /** Connects to the first backend from `index` on that accepts; `null` when none does. */
  const dial = (index: number): Promise<Socket | null> => {
    const port = balancer.backends[index];
    if (port === undefined) return Promise.resolve(null);
    return new Promise((resolve) => {
      const upstream = connect(port, '127.0.0.1');
      upstream.once('connect', () => {
        upstream.removeAllListeners('error');
        resolve(upstream);
      });
      upstream.once('error', () => {
        upstream.destroy();
        resolve(dial(index + 1));
      });
    });
  };

  const server = createServer((client) => {
    track(client);
    client.pause();
    client.on('error', () => client.destroy());
    void dial(0).then((upstream) => {
      if (upstream === null || client.destroyed) {
        upstream?.destroy();
        client.destroy();
        return;
      }
      track(upstream);
      upstream.on('error', () => upstream.destroy());
      // Either side closing closes the other, as a balancer does.
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  balancer.port = typeof address === 'object' && address ? address.port : 0;
  balancer.url = `https://127.0.0.1:${balancer.port}`;
  return balancer;
}
