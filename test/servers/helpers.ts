import { request as httpRequest, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { WebSocket } from 'ws';
import { buildServer, type WirelabServer } from '../../servers/app.js';
import type { ServerOptions } from '../../servers/config.js';

export interface TestServer {
  readonly server: WirelabServer;
  readonly url: string;
  readonly wsUrl: string;
  /** Publishes `count` updates now (they reach clients on the next tick, as one batch). */
  publish(count: number, data?: unknown): void;
  close(): Promise<void>;
}

/** A real server on 127.0.0.1 port 0 with an idle feed the test publishes into itself. */
export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const server = await buildServer({ port: 0, mode: 'idle', ...options });
  const url = await server.listen();
  return {
    server,
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    publish(count, data = { n: 1 }) {
      for (let index = 0; index < count; index++) server.context.feed.publish(data);
    },
    close: () => server.close(),
  };
}

export interface Received {
  seq: number;
  ts: number;
  type: string;
  epoch?: string;
  reason?: string;
  data?: unknown;
  [key: string]: unknown;
}

/** Collects parsed messages and lets a test await a condition on them, never a fixed delay. */
export class Inbox {
  readonly messages: Received[] = [];
  private waiters: Array<{ test: () => boolean; resolve: () => void }> = [];

  push(message: Received): void {
    this.messages.push(message);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.test()) return true;
      waiter.resolve();
      return false;
    });
  }

  /** Resolves once `test` holds; rejects after `timeoutMs` with what was received. */
  until(test: (messages: Received[]) => boolean, timeoutMs = 5000): Promise<void> {
    if (test(this.messages)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out; received types ${this.messages.map((m) => `${m.type}:${m.seq}`).join(',')}`)),
        timeoutMs,
      );
      this.waiters.push({
        test: () => test(this.messages),
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  seqsOf(type = 'update'): number[] {
    return this.messages.filter((m) => m.type === type).map((m) => m.seq);
  }
}

/** Consecutive integers from..to. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

export interface WsPeer {
  readonly ws: WebSocket;
  readonly inbox: Inbox;
  readonly closed: Promise<{ code: number; reason: string }>;
}

export async function openWs(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<WsPeer> {
  const ws = new WebSocket(url, options);
  const inbox = new Inbox();
  ws.on('message', (data) => inbox.push(JSON.parse(data.toString()) as Received));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await once(ws, 'open');
  return { ws, inbox, closed };
}

export interface SsePeer {
  readonly response: IncomingMessage;
  readonly inbox: Inbox;
  readonly events: EventSourceMessage[];
  readonly comments: string[];
  readonly ended: Promise<void>;
  close(): void;
}

/** An SSE stream parsed by an independent parser (eventsource-parser). */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SsePeer> {
  const inbox = new Inbox();
  const events: EventSourceMessage[] = [];
  const comments: string[] = [];
  const request = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } });
  request.end();
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  if (response.statusCode !== 200) {
    const body = await readBody(response);
    throw Object.assign(new Error(`SSE answered ${response.statusCode}: ${body}`), { status: response.statusCode, body });
  }
  const parser = createParser({
    onEvent(event) {
      events.push(event);
      inbox.push(JSON.parse(event.data) as Received);
    },
    onComment(comment) {
      comments.push(comment);
      inbox.push({ seq: -1, ts: 0, type: 'comment' });
    },
  });
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => parser.feed(chunk));
  const ended = new Promise<void>((resolve) => {
    response.once('end', resolve);
    response.once('close', resolve);
  });
  return { response, inbox, events, comments, ended, close: () => request.destroy() };
}

export async function readBody(response: IncomingMessage): Promise<string> {
  response.setEncoding('utf8');
  let body = '';
  for await (const chunk of response) body += chunk as string;
  return body;
}

export interface PollAnswer {
  epoch: string;
  next: number;
  events: Received[];
}

export async function getJson<T = PollAnswer>(url: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as T };
}
