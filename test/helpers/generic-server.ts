import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface GenericOptions {
  /** Items kept for SSE resume and the poll endpoints. @default 1000 */
  history?: number;
  /** How long `GET /events/wait` holds when nothing is new (ms). @default 1000 */
  holdMs?: number;
}

export interface RunningGeneric {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** Items published so far (the server's own ids are 1 …). */
  published(): number;
  close(): Promise<void>;
}

interface Item {
  id: number;
  /** The envelope around the published body, as every transport sends it. */
  json: string;
}

/**
 * A small real-time server of the tests' own, with its own envelope, so the harness is shown to
 * find its markers in someone else's format:
 *
 * - `POST /publish`: the body (any text) is wrapped as `{"type":"update","body":"<escaped>","at":MS}`
 *   and gets the server's own id; answered `{"id":N}`.
 * - `GET /stream/ws` (WebSocket): a `{"type":"hello"}` on connect, then each envelope.
 * - `GET /stream/sse`: `id: N` + `data: <envelope>`; `Last-Event-ID: N` resumes after N.
 * - `GET /events?after=N`: `{"next":M,"items":[envelope…]}`, everything after N (a REST poll
 *   endpoint with a query cursor); `GET /events/wait?after=N` holds until there is something or
 *   `holdMs` passes (long polling).
 */
export async function startGenericServer(options: GenericOptions = {}): Promise<RunningGeneric> {
  const historySize = options.history ?? 1000;
  const holdMs = options.holdMs ?? 1000;
  const history: Item[] = [];
  let lastId = 0;
  const sse = new Set<ServerResponse>();
  const waiting = new Set<{ after: number; res: ServerResponse; timer: NodeJS.Timeout }>();
  const wss = new WebSocketServer({ noServer: true });

  const after = (id: number): Item[] => history.filter((item) => item.id > id);
  const pollAnswer = (res: ServerResponse, items: Item[]): void => {
    const next = items.length === 0 ? lastId : items[items.length - 1]!.id;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`{"next":${next},"items":[${items.map((item) => item.json).join(',')}]}`);
  };

  const publish = (body: string): number => {
    const item = { id: ++lastId, json: JSON.stringify({ type: 'update', body, at: Date.now() }) };
    history.push(item);
    if (history.length > historySize) history.shift();
    for (const socket of wss.clients) socket.send(item.json);
    for (const res of sse) res.write(`id: ${item.id}\ndata: ${item.json}\n\n`);
    for (const wait of [...waiting]) {
      waiting.delete(wait);
      clearTimeout(wait.timer);
      pollAnswer(wait.res, after(wait.after));
    }
    return item.id;
  };

  const cursor = (req: IncomingMessage): number => {
    const value = new URL(req.url ?? '/', 'http://x').searchParams.get('after');
    return value === null ? 0 : Number(value);
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'POST' && path === '/publish') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const id = publish(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"id":${id}}`);
      });
      return;
    }
    if (req.method === 'GET' && path === '/stream/sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const last = Number(req.headers['last-event-id'] ?? 'NaN');
      if (Number.isInteger(last)) for (const item of after(last)) res.write(`id: ${item.id}\ndata: ${item.json}\n\n`);
      else res.write(': welcome\n\n');
      sse.add(res);
      req.on('close', () => sse.delete(res));
      return;
    }
    if (req.method === 'GET' && path === '/events') {
      pollAnswer(res, after(cursor(req)));
      return;
    }
    if (req.method === 'GET' && path === '/events/wait') {
      const from = cursor(req);
      const items = after(from);
      if (items.length > 0) {
        pollAnswer(res, items);
        return;
      }
      const wait = { after: from, res, timer: setTimeout(() => waiting.delete(wait) && pollAnswer(res, []), holdMs) };
      waiting.add(wait);
      req.on('close', () => {
        clearTimeout(wait.timer);
        waiting.delete(wait);
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"not found"}');
  });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/stream/ws') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => ws.send('{"type":"hello"}'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    published: () => lastId,
    async close() {
      for (const wait of waiting) clearTimeout(wait.timer);
      waiting.clear();
      for (const res of sse) res.destroy();
      for (const socket of wss.clients) socket.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
