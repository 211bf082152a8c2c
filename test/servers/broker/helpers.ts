import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createClient } from 'redis';
import { buildServer, type WirelabServer } from '../../../servers/app.js';
import type { ServerOptions } from '../../../servers/config.js';
import { brokerKeys } from '../../../servers/broker/keys.js';
import { openSse, openWs, type Inbox, type Received } from '../helpers.js';

export const PROTOCOLS = ['ws', 'sse', 'long-poll', 'short-poll'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export const CONTROL_TOKEN = 'broker-test-token';

export interface Instance {
  readonly server: WirelabServer;
  readonly url: string;
  close(): Promise<void>;
}

/** One in-process server instance on the test's Redis, idle, on 127.0.0.1 port 0. */
export async function startInstance(redisUrl: string, feedName: string, options: ServerOptions = {}): Promise<Instance> {
  const server = await buildServer({
    port: 0,
    mode: 'idle',
    broker: redisUrl,
    brokerFeed: feedName,
    brokerLockMs: 1000,
    controlToken: CONTROL_TOKEN,
    ...options,
  });
  const url = await server.listen();
  return { server, url, close: () => server.close() };
}

/** Publishes `count` updates through the instance, which must be the publisher. */
export function publish(instance: Instance, count: number): void {
  for (let index = 0; index < count; index++) instance.server.context.feed.publish({ n: index });
}

/**
 * The instance holding the publisher lock (waiting until one does). Tests ask rather than
 * assume: on a loaded machine a stalled holder can lose the lock to the other, as it should.
 */
export async function publisherOf(instances: readonly Instance[]): Promise<Instance> {
  let found: Instance | undefined;
  await eventually(() => {
    found = instances.find(
      (instance) => instance.server.context.broker!.feed.writer.publishing && instance.server.context.broker!.status().publisher,
    );
    return found !== undefined;
  }, 'a publisher');
  return found!;
}

/** Publishes `count` updates through whichever instance is the publisher. */
export async function publishOnAny(instances: readonly Instance[], count: number): Promise<void> {
  publish(await publisherOf(instances), count);
}

/** Resolves once `test` holds, checking every few ms; rejects with `what` after `timeoutMs`. */
export async function eventually(test: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await test())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function controlFeed(
  url: string,
  body: object,
): Promise<{ status: number; body: { feed?: { head: number; epoch: string; mode: string }; error?: { code: string } } }> {
  const response = await fetch(`${url}/control/feed`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CONTROL_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as never };
}

export async function stats(url: string): Promise<{
  feed: { head: number };
  broker?: { up: boolean; publisher: boolean; published: number; publishRefused: number; resets: number; outages: number };
}> {
  return (await fetch(`${url}/stats`)).json() as never;
}

/** A plain Redis connection for the test to look at (or tamper with) the feed's keys. */
export async function redisClient(url: string) {
  const client = createClient({ url, RESP: 2 });
  client.on('error', () => {});
  await client.connect();
  return client;
}

export { brokerKeys };

/** Where a client is in the feed, and everything it has received, across every connection it made. */
export class Log {
  readonly seqs: number[] = [];
  readonly resets: Received[] = [];
  epoch: string;
  seq: number;

  constructor(start: { epoch: string; seq: number }) {
    this.epoch = start.epoch;
    this.seq = start.seq;
  }

  take(message: Received): void {
    if (message.type === 'update') {
      this.seqs.push(message.seq);
      this.seq = message.seq;
    } else if (message.type === 'reset' || message.type === 'initial') {
      if (message.type === 'reset') this.resets.push(message);
      this.epoch = message.epoch!;
      this.seq = message.seq;
    }
  }
}

/** One connection (or polling loop) of a client, feeding its {@link Log}. */
export interface Collector {
  /** Resolves when the connection ended or the polling loop failed or stopped. */
  readonly ended: Promise<void>;
  stop(): void;
}

/** Feeds the log with what the inbox already holds (it may arrive with the handshake) and all that follows. */
function follow(inbox: Inbox, log: Log): void {
  for (const message of inbox.messages) if (message.type !== 'comment') log.take(message);
  const push = inbox.push.bind(inbox);
  inbox.push = (message) => {
    push(message);
    if (message.type !== 'comment') log.take(message);
  };
}

const POLL_TIMEOUT_MS = 500;
const SHORT_POLL_INTERVAL_MS = 25;

/** Connects to `baseUrl` over `protocol`, resuming from the log's position. */
export async function collect(protocol: Protocol, baseUrl: string, log: Log): Promise<Collector> {
  const cursor = `since=${log.seq}&epoch=${log.epoch}`;
  if (protocol === 'ws') {
    const peer = await openWs(`${baseUrl.replace(/^http/, 'ws')}/ws?${cursor}`);
    follow(peer.inbox, log);
    return { ended: peer.closed.then(() => undefined), stop: () => peer.ws.terminate() };
  }
  if (protocol === 'sse') {
    // Resumes as an EventSource does: Last-Event-ID EPOCH:SEQ.
    const peer = await openSse(`${baseUrl}/sse`, { 'last-event-id': `${log.epoch}:${log.seq}` });
    follow(peer.inbox, log);
    return { ended: peer.ended, stop: () => peer.close() };
  }
  const path = protocol === 'long-poll' ? '/long-poll' : '/poll';
  let running = true;
  let abort = new AbortController();
  const ended = (async () => {
    while (running) {
      const timeout = protocol === 'long-poll' ? `&timeout=${POLL_TIMEOUT_MS}` : '';
      let answer: { epoch: string; next: number; events: Received[] };
      try {
        const response = await fetch(`${baseUrl}${path}?since=${log.seq}&epoch=${log.epoch}${timeout}`, { signal: abort.signal });
        if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
        answer = (await response.json()) as typeof answer;
      } catch {
        return;
      }
      for (const message of answer.events) log.take(message);
      log.epoch = answer.epoch;
      log.seq = answer.next;
      if (protocol === 'short-poll') await new Promise((resolve) => setTimeout(resolve, SHORT_POLL_INTERVAL_MS));
    }
  })();
  return {
    ended,
    stop: () => {
      running = false;
      abort.abort();
      abort = new AbortController();
    },
  };
}

/** Consecutive integers from..to. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, index) => from + index);
}

/** A server instance in its own process (`servers/main.ts`), to be killed for real. */
export interface ChildInstance {
  readonly url: string;
  readonly child: ChildProcess;
  kill(): Promise<void>;
}

export async function spawnInstance(redisUrl: string, feedName: string, extra: string[] = []): Promise<ChildInstance> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'servers/main.ts',
      '--port',
      '0',
      '--mode',
      'idle',
      '--broker',
      redisUrl,
      '--broker-feed',
      feedName,
      '--broker-lock-ms',
      '1000',
      '--control-token',
      CONTROL_TOKEN,
      '--ready-json',
      ...extra,
    ],
    { cwd: new URL('../../../', import.meta.url), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  const url = await ready;
  return {
    url,
    child,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      process.kill(child.pid!, 'SIGKILL');
      await exited;
    },
  };
}
