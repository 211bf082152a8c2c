import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../clients/index.js';
import { MarkerScanner, newRunTag } from '../../clients/codecs/marker.js';
import type { ProtocolName } from '../../wire/protocols.js';
import { SocketIoPublishTransport } from '../../bench/target/publish-socketio.js';
import { range } from '../clients/helpers.js';
import { startSocketIoRelay, type RunningRelay } from '../helpers/socketio-relay.js';
import { closeAll, publish, subscribe, untilAll } from './helpers.js';

const CLIENTS = 20;
const MESSAGES = 100;
const PAYLOAD = 160;

let relay: RunningRelay;

beforeAll(async () => {
  relay = await startSocketIoRelay({ event: 'feed' });
});

afterAll(async () => {
  await relay?.close();
});

describe('Socket.IO v4, the harness publishing by emit', () => {
  const transports: Array<[ProtocolName, string]> = [
    ['ws', 'WebSocket transport'],
    ['long-poll', 'HTTP long-polling transport'],
  ];
  for (const [protocol, name] of transports) {
    it(`${protocol} (${name}): ${CLIENTS} clients receive every relayed message once, in order`, async () => {
      const run = newRunTag();
      const url = protocol === 'ws' ? relay.url.replace(/^http/, 'ws') : relay.url;
      const subscribers = await subscribe({ protocol, url, run, count: CLIENTS, foreign: { socketio: {} } });
      const transport = new SocketIoPublishTransport({ url: relay.url, event: 'feed' });
      try {
        expect(relay.connected()).toBe(CLIENTS);
        const result = await publish(transport, run, MESSAGES, { rate: 500, payload: PAYLOAD });
        expect(result).toMatchObject({ attempted: MESSAGES, acked: MESSAGES, failed: 0 });
        await untilAll(subscribers, MESSAGES);
        for (const { recorder, client } of subscribers) {
          expect(recorder.seqs).toEqual(range(1, MESSAGES));
          for (const update of recorder.updates) {
            expect(update.receivedAt).toBeGreaterThanOrEqual(update.ts);
            // The event's JSON data: ["feed","<message>"], the message and its quotes.
            expect(update.bytes).toBe(PAYLOAD + '["feed",""]'.length);
          }
          expect(client.counters.errors).toBe(0);
          expect(client.counters.bytesRead).toBeGreaterThan(MESSAGES * PAYLOAD);
        }
      } finally {
        await transport.close();
        await closeAll(subscribers);
      }
    });
  }

  for (const [protocol] of transports) {
    it(`${protocol}: answers every server ping, stays connected, and after the server drops everyone, reconnects and receives again`, async () => {
      const fast = await startSocketIoRelay({ event: 'feed', pingInterval: 100, pingTimeout: 1000 });
      const run = newRunTag();
      const url = protocol === 'ws' ? fast.url.replace(/^http/, 'ws') : fast.url;
      const subscribers = await subscribe({ protocol, url, run, count: 10, foreign: { socketio: {} } });
      const transport = new SocketIoPublishTransport({ url: fast.url, event: 'feed' });
      try {
        // Five heartbeats each: a client that did not pong would be cut after 1 s.
        await fast.untilPongs(fast.pongs() + 10 * 5);
        for (const { client } of subscribers) expect(client.counters.reconnects).toBe(0);
        expect(fast.connected()).toBe(10);

        fast.io.disconnectSockets(true);
        await Promise.all(subscribers.map(({ recorder }) => recorder.until((r) => r.opens.length === 2, 5000, 'the reconnect')));
        await publish(transport, run, 20, { rate: 500 });
        await untilAll(subscribers, 20);
        for (const { recorder, client } of subscribers) {
          expect(recorder.seqs).toEqual(range(1, 20));
          expect(client.counters.reconnects).toBe(1);
        }
      } finally {
        await transport.close();
        await closeAll(subscribers);
        await fast.close();
      }
    });
  }

  it('speaks Socket.IO over ws and long-poll only: other protocols are refused at creation', () => {
    for (const protocol of ['sse', 'short-poll'] as const) {
      expect(() =>
        createClient({
          url: relay.url,
          protocol,
          handlers: { onUpdate() {} },
          foreign: { decoder: new MarkerScanner('0000'), socketio: {} },
        }),
      ).toThrow(`Socket.IO speaks ws and long-poll only, not "${protocol}"`);
    }
  });
});
