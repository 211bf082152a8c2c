import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface LocalServer {
  port: number;
  /** Every socket the server accepted, with the error it ended on (if any). */
  accepted: Array<{ socket: Socket; error?: NodeJS.ErrnoException }>;
  close(): Promise<void>;
}

async function listen(server: Server, accepted: LocalServer['accepted']): Promise<LocalServer> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    accepted,
    close: async () => {
      for (const { socket } of accepted) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes back whatever it reads. */
export function startEchoServer(): Promise<LocalServer> {
  const accepted: LocalServer['accepted'] = [];
  const server = createServer({ noDelay: true }, (socket) => {
    const entry: LocalServer['accepted'][number] = { socket };
    accepted.push(entry);
    socket.on('error', (error) => (entry.error = error));
    socket.pipe(socket);
  });
  return listen(server, accepted);
}

/** Reads and discards, calling `onBytes` with the running total of each connection. */
export function startSinkServer(onBytes: (total: number, socket: Socket) => void): Promise<LocalServer> {
  const accepted: LocalServer['accepted'] = [];
  const server = createServer((socket) => {
    const entry: LocalServer['accepted'][number] = { socket };
    accepted.push(entry);
    socket.on('error', (error) => (entry.error = error));
    let total = 0;
    socket.on('data', (chunk: Buffer) => onBytes((total += chunk.length), socket));
  });
  return listen(server, accepted);
}

export async function connectTo(port: number, host = '127.0.0.1'): Promise<Socket> {
  const socket = connect({ port, host, noDelay: true });
  await once(socket, 'connect');
  return socket;
}

/** Sends `size` bytes and resolves once that many came back; answers the round-trip time (ms). */
export async function roundTrip(socket: Socket, size = 8): Promise<number> {
  const started = performance.now();
  const back = new Promise<void>((resolve, reject) => {
    let received = 0;
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received < size) return;
      socket.off('data', onData).off('error', reject);
      resolve();
    };
    socket.on('data', onData).once('error', reject);
  });
  socket.write(Buffer.alloc(size, 0x61));
  await back;
  return performance.now() - started;
}

/** Resolves with the error code the socket ended on ('' for a clean close). */
export function closedWith(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let code = '';
    socket.on('error', (error: NodeJS.ErrnoException) => (code = error.code ?? error.message));
    socket.once('close', () => resolve(code));
  });
}

export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

export function summary(samples: readonly number[]): { min: number; median: number; p95: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    min: sorted[0] ?? Number.NaN,
    median: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}
