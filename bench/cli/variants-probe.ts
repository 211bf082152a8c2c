/**
 * `npm run probe:variants`: what compression and HTTP/2 change, measured on this machine before
 * they become columns of the bench. Two parts, each bounded in count and time:
 *
 * 1. Bytes per event. An in-process server publishes the same 60 demo-like events (live scores,
 *    `{"id","name","score","minute"}`, ~110 bytes of JSON each) at 10/s to 20 clients of each
 *    variant; each client's bytes at its sockets (both directions, headers and framing included)
 *    are divided by the events it received. `payload` is the events' own JSON.
 * 2. Server memory per connection. The server runs as its own process; 1000 clients connect and
 *    receive 300 events of 256 bytes (enough to fill a 32 KiB compression window), then the
 *    server's RSS, JS heap and external memory are read from /stats and compared with the same
 *    run without compression.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { createClient, H2Connection } from '../../clients/index.js';
import type { FeedClient, FeedClientOptions } from '../../clients/types.js';
import { buildServer } from '../../servers/app.js';
import type { ServerOptions } from '../../servers/config.js';
import type { ProtocolName as Protocol } from '../../wire/protocols.js';
import { formatBytes, formatCount } from '../report/format.js';
import { ControlClient } from '../target/control-client.js';
import { spawnServer } from '../target/spawn.js';

interface Variant {
  readonly name: string;
  readonly protocol: Protocol;
  readonly server: Partial<ServerOptions>;
  readonly client: Partial<FeedClientOptions>;
  /** `own`: an HTTP/2 connection per client; `shared`: one for all clients. */
  readonly h2?: 'own' | 'shared';
}

const VARIANTS: readonly Variant[] = [
  { name: 'ws', protocol: 'ws', server: {}, client: {} },
  { name: 'ws+deflate', protocol: 'ws', server: { wsDeflate: 'on' }, client: { wsDeflate: 'on' } },
  { name: 'ws+deflate (no context takeover)', protocol: 'ws', server: { wsDeflate: 'no-context-takeover' }, client: { wsDeflate: 'on' } },
  { name: 'sse', protocol: 'sse', server: {}, client: {} },
  { name: 'sse+gzip', protocol: 'sse', server: { httpCompression: 'gzip' }, client: { acceptEncoding: 'gzip' } },
  { name: 'sse+br', protocol: 'sse', server: { httpCompression: 'br' }, client: { acceptEncoding: 'br' } },
  { name: 'sse/h2', protocol: 'sse', server: {}, client: {}, h2: 'own' },
  { name: 'sse/h2 (20 streams, 1 connection)', protocol: 'sse', server: {}, client: {}, h2: 'shared' },
  { name: 'sse/h2+gzip', protocol: 'sse', server: { httpCompression: 'gzip' }, client: { acceptEncoding: 'gzip' }, h2: 'own' },
  { name: 'long-poll', protocol: 'long-poll', server: {}, client: {} },
  { name: 'long-poll+gzip', protocol: 'long-poll', server: { httpCompression: 'gzip' }, client: { acceptEncoding: 'gzip' } },
  { name: 'long-poll/h2', protocol: 'long-poll', server: {}, client: {}, h2: 'own' },
  { name: 'long-poll/h2+gzip', protocol: 'long-poll', server: { httpCompression: 'gzip' }, client: { acceptEncoding: 'gzip' }, h2: 'own' },
  { name: 'short-poll (1 s)', protocol: 'short-poll', server: {}, client: {} },
  { name: 'short-poll+gzip', protocol: 'short-poll', server: { httpCompression: 'gzip' }, client: { acceptEncoding: 'gzip' } },
  { name: 'short-poll/h2', protocol: 'short-poll', server: {}, client: {}, h2: 'own' },
];

const CLIENTS = 20;
const EVENTS = 60;
const RATE = 10;
const MATCHES = ['Falcons vs Wolves', 'Herons vs Foxes', 'Otters vs Lynxes', 'Ravens vs Bears', 'Comets vs Tides'];

/** A repeatable sequence of live-score events (a small linear congruential generator). */
function demoEvents(count: number): Array<{ id: number; name: string; score: { home: number; away: number }; minute: number }> {
  let seed = 42;
  const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  const scores = MATCHES.map(() => ({ home: 0, away: 0, minute: 0 }));
  return Array.from({ length: count }, () => {
    const index = Math.floor(next() * MATCHES.length);
    const match = scores[index]!;
    match.minute = Math.min(90, match.minute + 1 + Math.floor(next() * 6));
    if (next() < 0.4) match[next() < 0.5 ? 'home' : 'away'] += 1;
    return { id: index + 1, name: MATCHES[index]!, score: { home: match.home, away: match.away }, minute: match.minute };
  });
}

interface BytesRow {
  variant: string;
  wirePerEvent: number;
  payloadPerEvent: number;
  requestsPerEvent: number;
  ratio: number | undefined;
  delivered: string;
}

async function measureBytes(variant: Variant, events: ReturnType<typeof demoEvents>): Promise<BytesRow> {
  const server = await buildServer({ port: 0, mode: 'idle', h2cPort: 0, ...variant.server });
  const url = await server.listen();
  const base = variant.h2 === undefined ? url : server.http2Urls.h2c!;
  const shared = variant.h2 === 'shared' ? new H2Connection(base) : undefined;
  let received = 0;
  let payload = 0;
  const clients: FeedClient[] = [];
  try {
    for (let index = 0; index < CLIENTS; index++) {
      const options: FeedClientOptions = {
        url: base,
        protocol: variant.protocol,
        id: `p${index}`,
        handlers: {
          onUpdate: (_seq, _ts, _at, bytes) => {
            received += 1;
            payload += bytes;
          },
        },
        ...(variant.h2 === undefined ? {} : { http2: shared ?? true }),
        ...variant.client,
      };
      clients.push(createClient(options));
    }
    await Promise.all(clients.map((client) => client.connect()));
    const wire = (): number =>
      clients.reduce((sum, client) => sum + client.counters.bytesRead + client.counters.bytesWritten, 0) +
      (shared === undefined ? 0 : shared.bytesRead + shared.bytesWritten);
    const requests = (): number => clients.reduce((sum, client) => sum + client.counters.requests, 0);
    const compressed = (): [number, number] =>
      clients.reduce(([c, d], client) => [c + client.counters.compressedBytes, d + client.counters.decompressedBytes], [0, 0]);
    const [wire0, requests0, [compressed0, decompressed0]] = [wire(), requests(), compressed()];
    received = 0;
    payload = 0;
    for (const event of events) {
      server.context.feed.publish(event);
      await delay(1000 / RATE);
    }
    // Bounded wait for the last poll round (short polls ask once a second).
    const deadline = Date.now() + 5000;
    while (received < CLIENTS * EVENTS && Date.now() < deadline) await delay(50);
    const [compressed1, decompressed1] = compressed();
    return {
      variant: variant.name,
      wirePerEvent: (wire() - wire0) / received,
      payloadPerEvent: payload / received,
      requestsPerEvent: (requests() - requests0) / received,
      ratio: decompressed1 > decompressed0 ? (compressed1 - compressed0) / (decompressed1 - decompressed0) : undefined,
      delivered: `${formatCount(received)}/${formatCount(CLIENTS * EVENTS)}`,
    };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
    await shared?.close();
    await server.close();
  }
}

interface MemoryRow {
  variant: string;
  rssPerConnection: number;
  heapPerConnection: number;
  externalPerConnection: number;
}

const MEMORY_CLIENTS = 1000;
const MEMORY_EVENTS = 300;

async function measureMemory(
  name: string,
  protocol: Protocol,
  serverArgs: string[],
  client: Partial<FeedClientOptions>,
): Promise<MemoryRow> {
  const server = await spawnServer({ extraArgs: serverArgs });
  const control = new ControlClient(server.url, server.controlToken);
  const clients: FeedClient[] = [];
  let received = 0;
  try {
    await delay(500);
    const before = (await control.stats()).process as unknown as { rssBytes: number; heapUsedBytes: number; externalBytes: number };
    for (let index = 0; index < MEMORY_CLIENTS; index++) {
      clients.push(createClient({ url: server.url, protocol, id: `m${index}`, handlers: { onUpdate: () => (received += 1) }, ...client }));
    }
    await Promise.all(clients.map((c) => c.connect()));
    await control.setFeed({ mode: 'bench', rate: 100, payload: 256 });
    const deadline = Date.now() + 30_000;
    while (received < MEMORY_CLIENTS * MEMORY_EVENTS && Date.now() < deadline) await delay(100);
    await control.setFeed({ mode: 'idle' });
    await delay(500);
    const after = (await control.stats()).process as unknown as { rssBytes: number; heapUsedBytes: number; externalBytes: number };
    return {
      variant: name,
      rssPerConnection: (after.rssBytes - before.rssBytes) / MEMORY_CLIENTS,
      heapPerConnection: (after.heapUsedBytes - before.heapUsedBytes) / MEMORY_CLIENTS,
      externalPerConnection: (after.externalBytes - before.externalBytes) / MEMORY_CLIENTS,
    };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await server.stop();
  }
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

const parts = new Set(process.argv.slice(2));
const all = parts.size === 0;

if (all || parts.has('bytes')) {
  const events = demoEvents(EVENTS);
  const rows: BytesRow[] = [];
  for (const variant of VARIANTS) rows.push(await measureBytes(variant, events));
  process.stdout.write(`\nBytes per delivered event: ${CLIENTS} clients, ${EVENTS} live-score events at ${RATE}/s\n\n`);
  process.stdout.write(
    `${table(
      ['variant', 'wire/event', 'payload/event', 'requests/event', 'compressed/decompressed', 'delivered'],
      rows.map((row) => [
        row.variant,
        formatBytes(row.wirePerEvent),
        formatBytes(row.payloadPerEvent),
        row.requestsPerEvent.toFixed(2),
        row.ratio === undefined ? '–' : row.ratio.toFixed(3),
        row.delivered,
      ]),
    )}\n`,
  );
}

if (all || parts.has('memory')) {
  const rows: MemoryRow[] = [];
  rows.push(await measureMemory('ws', 'ws', [], {}));
  rows.push(await measureMemory('ws+deflate', 'ws', ['--ws-deflate', 'on'], { wsDeflate: 'on' }));
  rows.push(await measureMemory('ws+deflate (no context takeover)', 'ws', ['--ws-deflate', 'no-context-takeover'], { wsDeflate: 'on' }));
  rows.push(await measureMemory('sse', 'sse', [], {}));
  rows.push(await measureMemory('sse+gzip', 'sse', ['--http-compression', 'gzip'], { acceptEncoding: 'gzip' }));
  rows.push(await measureMemory('sse+br', 'sse', ['--http-compression', 'br'], { acceptEncoding: 'br' }));
  process.stdout.write(`\nServer memory per connection: ${MEMORY_CLIENTS} connections, ${MEMORY_EVENTS} events of 256 B each\n\n`);
  process.stdout.write(
    `${table(
      ['variant', 'RSS/connection', 'JS heap/connection', 'external/connection'],
      rows.map((row) => [
        row.variant,
        formatBytes(row.rssPerConnection),
        formatBytes(row.heapPerConnection),
        formatBytes(row.externalPerConnection),
      ]),
    )}\n`,
  );
}
