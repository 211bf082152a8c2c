import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

export interface RelayOptions {
  /** The event relayed. @default 'feed' */
  event?: string;
  /** @default '/' */
  namespace?: string;
  /** Engine.IO heartbeat (ms). @default 25000 / 20000, Socket.IO's own */
  pingInterval?: number;
  pingTimeout?: number;
}

export interface RunningRelay {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly io: Server;
  /** Sockets connected to the namespace now. */
  connected(): number;
  /** Pongs received from clients so far (Engine.IO heartbeats answered). */
  pongs(): number;
  /** Resolves once `test(pongs())` holds (checked at each pong), or rejects after `timeoutMs`. */
  untilPongs(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A small Socket.IO v4 server: every `event` a client emits is relayed to all the namespace's
 * other clients (`socket.broadcast.emit`), and acknowledged when the sender asked for it. This
 * is what the socketio preset needs from a server (docs/targets.md).
 */
export async function startSocketIoRelay(options: RelayOptions = {}): Promise<RunningRelay> {
  const event = options.event ?? 'feed';
  const http = createServer();
  const io = new Server(http, {
    serveClient: false,
    ...(options.pingInterval === undefined ? {} : { pingInterval: options.pingInterval }),
    ...(options.pingTimeout === undefined ? {} : { pingTimeout: options.pingTimeout }),
  });
  const namespace = io.of(options.namespace ?? '/');
  namespace.on('connection', (socket) => {
    socket.on(event, (data: unknown, ack?: unknown) => {
      socket.broadcast.emit(event, data);
      if (typeof ack === 'function') (ack as () => void)();
    });
  });
  let pongs = 0;
  let waiters: Array<{ count: number; resolve: () => void }> = [];
  io.engine.on('connection', (engineSocket: { on(event: 'heartbeat', listener: () => void): void }) => {
    engineSocket.on('heartbeat', () => {
      pongs += 1;
      waiters = waiters.filter((waiter) => {
        if (pongs < waiter.count) return true;
        waiter.resolve();
        return false;
      });
    });
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    io,
    connected: () => namespace.sockets.size,
    pongs: () => pongs,
    untilPongs(count, timeoutMs = 5000) {
      if (pongs >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${pongs} pongs of ${count} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    close: () => new Promise<void>((resolve) => io.close(() => resolve())),
  };
}
