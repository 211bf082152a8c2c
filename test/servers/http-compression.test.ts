import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers.js';

let server: TestServer;
afterEach(async () => {
  await server?.close();
});

const DATA = { home: 'Falcons', away: 'Wolves', score: { home: 2, away: 1 }, note: 'goal goal goal goal goal goal' };

interface Raw {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  /** The body exactly as it came off the wire (after HTTP framing, before any decoding). */
  readonly body: Buffer;
}

/** A GET whose body is kept as sent: node:http does not decode Content-Encoding itself. */
async function get(url: string, headers: Record<string, string> = {}): Promise<Raw> {
  const request = httpRequest(url, { headers });
  request.end();
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  const parts: Buffer[] = [];
  for await (const chunk of response) parts.push(chunk as Buffer);
  return { status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(parts) };
}

/** An SSE stream whose compressed bytes are kept as they arrive, with a way to await a condition on them. */
async function openRawSse(url: string, headers: Record<string, string>) {
  const request = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } });
  request.end();
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  const parts: Buffer[] = [];
  let waiter: { test: () => boolean; resolve: () => void } | undefined;
  // Closing the stream from this side aborts the response: that is how a test ends it.
  request.on('error', () => {});
  response.on('error', () => {});
  const ended = new Promise<void>((resolve) => response.once('end', resolve));
  response.on('data', (chunk: Buffer) => {
    parts.push(chunk);
    if (waiter?.test() === true) waiter.resolve();
  });
  return {
    response,
    ended,
    bytes: () => Buffer.concat(parts),
    until(test: () => boolean, timeoutMs = 5000): Promise<void> {
      if (test()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out after ${Buffer.concat(parts).length} bytes`)), timeoutMs);
        waiter = {
          test,
          resolve: () => {
            clearTimeout(timer);
            waiter = undefined;
            resolve();
          },
        };
      });
    },
    close: () => request.destroy(),
  };
}

/** Waits for a server-side condition (there is no event for "a poll is held") by checking on each turn of the event loop. */
async function until(test: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Decodes a gzip stream cut anywhere after a flush, independently of the server's code. */
const gunzipSoFar = (bytes: Buffer): string => zlib.gunzipSync(bytes, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');

describe('HTTP compression of poll answers', () => {
  it('gzips a short-poll answer for a client that accepts gzip: the same JSON, fewer bytes, Vary set', async () => {
    server = await startServer({ httpCompression: 'gzip' });
    server.publish(50, DATA);
    const plain = await get(`${server.url}/poll?since=0`);
    const gzipped = await get(`${server.url}/poll?since=0`, { 'accept-encoding': 'gzip' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('accept-encoding');
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers.vary).toBe('accept-encoding');
    expect(Number(gzipped.headers['content-length'])).toBe(gzipped.body.length);
    expect(zlib.gunzipSync(gzipped.body).toString('utf8')).toBe(plain.body.toString('utf8'));
    expect(gzipped.body.length).toBeLessThan(plain.body.length / 5);
  });

  it('answers br when the server offers it and the client accepts it, gzip to a gzip-only client', async () => {
    server = await startServer({ httpCompression: 'br' });
    server.publish(20, DATA);
    const plain = await get(`${server.url}/poll?since=0`);
    const br = await get(`${server.url}/poll?since=0`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(zlib.brotliDecompressSync(br.body).toString('utf8')).toBe(plain.body.toString('utf8'));
    const gzipOnly = await get(`${server.url}/poll?since=0`, { 'accept-encoding': 'gzip' });
    expect(gzipOnly.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gzipOnly.body).toString('utf8')).toBe(plain.body.toString('utf8'));
  });

  it('sends identity when compression is off, whatever the client accepts', async () => {
    server = await startServer();
    server.publish(5, DATA);
    const answer = await get(`${server.url}/poll?since=0`, { 'accept-encoding': 'gzip, br' });
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.headers.vary).toBeUndefined();
    expect(JSON.parse(answer.body.toString('utf8')).events).toHaveLength(5);
  });

  it('answers held long polls compressed, each poll in its own coding', async () => {
    server = await startServer({ httpCompression: 'br' });
    const base = `${server.url}/long-poll?since=0&epoch=${server.server.context.feed.epoch}&timeout=5000`;
    const polls = [get(base, { 'accept-encoding': 'gzip' }), get(base, { 'accept-encoding': 'br' }), get(base)];
    await until(() => server.server.context.stats.transports['long-poll'].connections === 3);
    server.publish(3, DATA);
    const [gzip, br, plain] = await Promise.all(polls);
    expect([gzip!.headers['content-encoding'], br!.headers['content-encoding'], plain!.headers['content-encoding']]).toEqual([
      'gzip',
      'br',
      undefined,
    ]);
    const text = plain!.body.toString('utf8');
    expect(JSON.parse(text).events.map((event: { seq: number }) => event.seq)).toEqual([1, 2, 3]);
    expect(zlib.gunzipSync(gzip!.body).toString('utf8')).toBe(text);
    expect(zlib.brotliDecompressSync(br!.body).toString('utf8')).toBe(text);
  });
});

describe('HTTP compression of SSE streams', () => {
  it('flushes every event: each published event can be decoded from the bytes received before the next is published', async () => {
    server = await startServer({ httpCompression: 'gzip' });
    const stream = await openRawSse(`${server.url}/sse`, { 'accept-encoding': 'gzip' });
    expect(stream.response.headers['content-encoding']).toBe('gzip');
    expect(stream.response.headers.vary).toBe('accept-encoding');
    expect(stream.response.headers['content-length']).toBeUndefined();
    const epoch = server.server.context.feed.epoch;
    await stream.until(() => gunzipSoFar(stream.bytes()).includes('"type":"initial"'));
    for (let seq = 1; seq <= 5; seq++) {
      server.publish(1, DATA);
      await stream.until(() => gunzipSoFar(stream.bytes()).includes(`id: ${epoch}:${seq}\n`));
    }
    const text = gunzipSoFar(stream.bytes());
    expect(text.startsWith('retry: 1000\n\n')).toBe(true);
    expect([...text.matchAll(/^id: \w+:(\d+)$/gm)].map((match) => Number(match[1]))).toEqual([0, 1, 2, 3, 4, 5]);
    stream.close();
  });

  it('ends a compressed stream with a whole gzip member, its trailer included', async () => {
    server = await startServer({ httpCompression: 'gzip' });
    const stream = await openRawSse(`${server.url}/sse`, { 'accept-encoding': 'gzip' });
    server.publish(30, DATA);
    await stream.until(() => gunzipSoFar(stream.bytes()).includes(`:30\n`));
    server.server.context.transports.get('sse')!.drop();
    await stream.ended;
    // Strict decoding fails on a member without its trailer.
    const text = zlib.gunzipSync(stream.bytes()).toString('utf8');
    expect([...text.matchAll(/^data: /gm)]).toHaveLength(31);
  });

  it('streams brotli, and sends its heartbeat comments through the compressor too', async () => {
    server = await startServer({ httpCompression: 'br', sseHeartbeatMs: 20 });
    const stream = await openRawSse(`${server.url}/sse`, { 'accept-encoding': 'br' });
    expect(stream.response.headers['content-encoding']).toBe('br');
    const decoded = (): string =>
      zlib.brotliDecompressSync(stream.bytes(), { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }).toString('utf8');
    server.publish(2, DATA);
    await stream.until(() => decoded().includes(': hb\n\n') && decoded().includes(':2\n'));
    expect(decoded().startsWith('retry: 1000\n\n')).toBe(true);
    stream.close();
  });

  it('keeps a stream plain for a client that does not accept a coding', async () => {
    server = await startServer({ httpCompression: 'gzip' });
    const stream = await openRawSse(`${server.url}/sse`, { 'accept-encoding': 'identity' });
    expect(stream.response.headers['content-encoding']).toBeUndefined();
    server.publish(1, DATA);
    await stream.until(() => stream.bytes().toString('utf8').includes(':1\n'));
    stream.close();
  });
});
