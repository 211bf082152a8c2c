import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../clients/index.js';
import { MarkerScanner, newRunTag } from '../../clients/codecs/marker.js';
import { parsePollCursor } from '../../clients/poll-cursor.js';
import type { ProtocolName } from '../../wire/protocols.js';
import { range, Recorder } from '../clients/helpers.js';
import { startGenericServer, type RunningGeneric } from '../helpers/generic-server.js';
import { startGate, type TcpGate } from '../helpers/tcp-gate.js';
import { closeAll, httpPublisher, publish, subscribe, untilAll } from './helpers.js';

const CLIENTS = 20;
const CURSOR = parsePollCursor('query:after=json:next');

let server: RunningGeneric;
let gate: TcpGate;

beforeAll(async () => {
  server = await startGenericServer();
  gate = await startGate({ host: '127.0.0.1', port: server.port });
});

afterAll(async () => {
  await gate?.close();
  await server?.close();
});

const PATHS: Record<ProtocolName, string> = { ws: '/stream/ws', sse: '/stream/sse', 'long-poll': '/events/wait', 'short-poll': '/events' };

function endpoint(protocol: ProtocolName, base = server.url): string {
  return `${protocol === 'ws' ? base.replace(/^http/, 'ws') : base}${PATHS[protocol]}`;
}

describe('a generic server with its own envelope', () => {
  for (const protocol of ['ws', 'sse', 'long-poll', 'short-poll'] as const) {
    it(`${protocol}: ${CLIENTS} clients find every published message inside the server's JSON envelope`, async () => {
      const run = newRunTag();
      const subscribers = await subscribe({ protocol, url: endpoint(protocol), run, count: CLIENTS, foreign: { cursor: CURSOR } });
      const transport = httpPublisher(`${server.url}/publish`);
      try {
        const first = 1;
        const result = await publish(transport, run, 60, { rate: 400, payload: 100, firstSeq: first });
        expect(result.acked).toBe(60);
        await untilAll(subscribers, first + 59);
        for (const { recorder, client } of subscribers) {
          // A poll client's first answer is the whole history: earlier tests' messages are of other runs.
          expect(recorder.seqs).toEqual(range(first, first + 59));
          expect(client.counters.errors).toBe(0);
          // The server's own hello carries no marker: counted apart, once per connection.
          expect(client.counters.unmarked).toBe(protocol === 'ws' ? 1 : 0);
        }
        // A foreign server has no pong: PING is refused at once, with the reason.
        await expect(subscribers[0]!.client.ping()).rejects.toThrow(/PING needs a wirelab server/);
      } finally {
        await transport.close();
        await closeAll(subscribers);
      }
    });
  }

  it('names the endpoint by its path only in errors: a query may hold a credential', async () => {
    const recorder = new Recorder();
    const client = createClient({
      url: `${server.url}/missing?token=s3cret`,
      protocol: 'short-poll',
      handlers: recorder,
      foreign: { decoder: new MarkerScanner('0000') },
    });
    await expect(client.connect()).rejects.toThrow(/^GET \/missing: HTTP 404/);
    expect(recorder.errors.map((error) => error.message).join()).not.toContain('s3cret');
    await client.close();
  });

  it('publishes through a body template and finds the marker escaped inside the envelope', async () => {
    const run = newRunTag();
    const subscribers = await subscribe({ protocol: 'ws', url: endpoint('ws'), run, count: 5 });
    const transport = httpPublisher(`${server.url}/publish`, { headers: { 'content-type': 'application/json' } });
    try {
      const first = 1;
      const result = await publish(transport, run, 10, {
        payload: 120,
        bodyTemplate: '{"text":"{{message}}","kind":"bench"}',
        firstSeq: first,
      });
      expect(result).toMatchObject({ acked: 10, bodyBytes: 120 });
      await untilAll(subscribers, first + 9);
      for (const { recorder } of subscribers) expect(recorder.seqs).toEqual(range(first, first + 9));
    } finally {
      await transport.close();
      await closeAll(subscribers);
    }
  });

  for (const protocol of ['sse', 'short-poll', 'long-poll'] as const) {
    it(`${protocol} resumes after an outage (${protocol === 'sse' ? 'Last-Event-ID with the server ids' : 'the query cursor from the answer'})`, async () => {
      const run = newRunTag();
      const subscribers = await subscribe({
        protocol,
        url: endpoint(protocol, gate.url(server.url)),
        run,
        count: 10,
        foreign: { cursor: CURSOR },
      });
      const transport = httpPublisher(`${server.url}/publish`);
      try {
        const first = 1;
        await publish(transport, run, 10, { firstSeq: first });
        await untilAll(subscribers, first + 9);
        gate.hold();
        gate.cut();
        await publish(transport, run, 15, { firstSeq: first + 10 });
        gate.release();
        await untilAll(subscribers, first + 24);
        for (const { recorder } of subscribers) expect(recorder.seqs).toEqual(range(first, first + 24));
      } finally {
        gate.release();
        await transport.close();
        await closeAll(subscribers);
      }
    });
  }
});
