/**
 * `npm run bench:server`: how fast the feed server fans out, apart from any client library.
 *
 * The server runs as its own process; this process holds N bare TCP connections per push
 * transport (a WebSocket handshake or an SSE request written by hand) and only scans what
 * arrives: the newest `seq` in each read (delivered count) and the `ts` of the first message
 * in each read (its latency is the largest of that read's, so the p99 is not flattered).
 * That keeps the load generator far cheaper per message than the server, so the figure is
 * the server's.
 */
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { Command, InvalidArgumentError } from 'commander';
import { nowMicros } from '../../wire/clock.js';
import { PROTOCOL_NAMES, PROTOCOLS, type ProtocolName } from '../../wire/protocols.js';
import { createHistogram, summarize, type Histogram } from '../report/histogram.js';
import { ControlClient } from '../target/control-client.js';
import { spawnServer } from '../target/spawn.js';

/** A protocol the server pushes on (not polled): its clients here are bare sockets that only read. */
type PushTransport = ProtocolName;
const PUSH_TRANSPORTS = PROTOCOL_NAMES.filter((name) => !PROTOCOLS[name].polled);

const SEQ_MARK = Buffer.from('{"seq":');
const TS_MARK = Buffer.from(',"ts":');

interface Connection {
  socket: Socket;
  lastSeq: number;
}

/** Reads the integer at `at` in `chunk`; -1 when the digits run to the chunk's end. */
function integerAt(chunk: Buffer, at: number): number {
  let value = 0;
  let index = at;
  for (; index < chunk.length; index++) {
    const digit = chunk[index]! - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  return index === at || index === chunk.length ? -1 : value;
}

async function open(
  transport: PushTransport,
  host: string,
  port: number,
  histogram: Histogram,
  recording: { on: boolean },
): Promise<Connection> {
  const socket = connect(port, host);
  socket.setNoDelay(true);
  await once(socket, 'connect');
  const request = PROTOCOLS[transport].upgrade
    ? `GET ${PROTOCOLS[transport].path} HTTP/1.1\r\nHost: b\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`
    : `GET ${PROTOCOLS[transport].path} HTTP/1.1\r\nHost: b\r\nAccept: text/event-stream\r\n\r\n`;
  socket.write(request);
  const connection: Connection = { socket, lastSeq: -1 };
  socket.on('data', (chunk: Buffer) => {
    const first = chunk.indexOf(SEQ_MARK);
    if (first === -1) return;
    if (recording.on) {
      const tsAt = chunk.indexOf(TS_MARK, first);
      const ts = tsAt === -1 ? -1 : integerAt(chunk, tsAt + TS_MARK.length);
      if (ts > 0) histogram.recordValue(Math.max(1, nowMicros() - ts));
    }
    let last = chunk.lastIndexOf(SEQ_MARK);
    let seq = integerAt(chunk, last + SEQ_MARK.length);
    // The newest message may be cut by the end of the read; the one before it is whole.
    if (seq === -1 && last > first) {
      last = chunk.lastIndexOf(SEQ_MARK, last - 1);
      seq = integerAt(chunk, last + SEQ_MARK.length);
    }
    if (seq > connection.lastSeq) connection.lastSeq = seq;
  });
  await once(socket, 'data');
  return connection;
}

interface FanoutResult {
  transport: PushTransport;
  clients: number;
  rate: number;
  deliveredPerSecond: number;
  expected: number;
  delivered: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  serverCpuPercent: number;
}

async function measure(transport: PushTransport, clients: number, rate: number, durationMs: number): Promise<FanoutResult> {
  const server = await spawnServer({ extraArgs: ['--max-buffered-bytes', String(64 * 1024 * 1024)] });
  const control = new ControlClient(server.url, server.controlToken);
  const { hostname, port } = new URL(server.url);
  const histogram = createHistogram();
  const recording = { on: false };
  const connections: Connection[] = [];
  try {
    for (let index = 0; index < clients; index += 100) {
      const batch = Math.min(100, clients - index);
      connections.push(
        ...(await Promise.all(Array.from({ length: batch }, () => open(transport, hostname, Number(port), histogram, recording)))),
      );
    }
    await control.setFeed({ mode: 'bench', rate, payload: 128 });
    await delay(1000);
    // Each client is measured from what it had at the start, so a client a little ahead of or
    // behind the others is neither credited nor charged for it.
    const startSeqs = connections.map((connection) => connection.lastSeq);
    await control.resetCounters();
    recording.on = true;
    const started = performance.now();
    await delay(durationMs);
    const before = await control.stats();
    const elapsedMs = performance.now() - started;
    recording.on = false;
    await control.setFeed({ mode: 'idle' });
    const endSeq = (await control.stats()).feed.head;
    // Bounded drain: every client should reach the last seq within a few seconds.
    for (let waited = 0; waited < 10_000 && connections.some((c) => c.lastSeq < endSeq); waited += 20) await delay(20);
    const deliveringMs = performance.now() - started;
    let delivered = 0;
    let expected = 0;
    connections.forEach((connection, index) => {
      delivered += Math.max(0, connection.lastSeq - startSeqs[index]!);
      expected += endSeq - startSeqs[index]!;
    });
    const summary = summarize(histogram);
    const cpuMicros = before.process.cpuUserMicros + before.process.cpuSystemMicros;
    return {
      transport,
      clients,
      rate,
      deliveredPerSecond: Math.round(delivered / (deliveringMs / 1000)),
      expected,
      delivered,
      p50Ms: summary.p50 / 1000,
      p99Ms: summary.p99 / 1000,
      maxMs: summary.max / 1000,
      serverCpuPercent: Math.round((cpuMicros / (elapsedMs * 1000)) * 100),
    };
  } finally {
    for (const connection of connections) connection.socket.destroy();
    await server.stop();
  }
}

function positive(name: string) {
  return (text: string): number => {
    const value = Number(text.replace(/k$/i, '000'));
    if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError(`${name} must be a positive whole number, got "${text}"`);
    return value;
  };
}

const program = new Command('bench:server')
  .description("Measure the feed server's fan-out: delivered messages per second and latency at N clients.")
  .option('-c, --clients <n>', 'connections per transport', positive('--clients'), 1000)
  .option('-r, --rate <n>', 'feed updates per second', positive('--rate'), 200)
  .option('-d, --duration <s>', 'seconds to measure', positive('--duration'), 10)
  .option('-t, --transports <list>', `comma-separated, from ${PUSH_TRANSPORTS.join(', ')}`, PUSH_TRANSPORTS.join(','))
  .parse();
const flags = program.opts<{ clients: number; rate: number; duration: number; transports: string }>();
const transports = flags.transports.split(',').map((name) => name.trim());
for (const name of transports) {
  if (!(PUSH_TRANSPORTS as readonly string[]).includes(name))
    program.error(`--transports: unknown transport "${name}" (use ${PUSH_TRANSPORTS.join(', ')})`, { exitCode: 2 });
}

process.stdout.write(`fan-out: ${flags.clients} clients, ${flags.rate} updates/s of 128 B, ${flags.duration} s per transport\n`);
process.stdout.write('transport  delivered msg/s  delivered/expected    p50 ms   p99 ms   max ms  server CPU\n');
for (const transport of transports as PushTransport[]) {
  const r = await measure(transport, flags.clients, flags.rate, flags.duration * 1000);
  process.stdout.write(
    `${r.transport.padEnd(9)}  ${String(r.deliveredPerSecond).padStart(15)}  ${`${r.delivered}/${r.expected}`.padStart(18)}  ${r.p50Ms.toFixed(2).padStart(7)}  ${r.p99Ms.toFixed(2).padStart(7)}  ${r.maxMs.toFixed(2).padStart(7)}  ${`${r.serverCpuPercent}%`.padStart(10)}\n`,
  );
}
