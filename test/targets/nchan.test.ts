import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRunTag } from '../../clients/codecs/marker.js';
import { PROTOCOL_NAMES, type ProtocolName } from '../../wire/protocols.js';
import { nowMicros } from '../../wire/clock.js';
import { range } from '../clients/helpers.js';
import { startNchan, type RunningNchan } from '../helpers/nchan-server.js';
import { closeAll, httpPublisher, NCHAN_CURSOR, publish, subscribe, untilAll } from './helpers.js';

const CLIENTS = 20;
const MESSAGES = 100;
const PAYLOAD = 200;

let nchan: RunningNchan;

beforeAll(async () => {
  nchan = await startNchan({ masterProcess: true, workers: 1 });
});

afterAll(async () => {
  await nchan?.stop();
});

function endpoint(protocol: ProtocolName, channel: string): string {
  const base = protocol === 'ws' ? nchan.url.replace(/^http/, 'ws') : nchan.url;
  return `${base}/${protocol === 'short-poll' ? 'poll' : 'sub'}/${channel}`;
}

describe('nginx + nchan, the harness publishing', () => {
  for (const protocol of PROTOCOL_NAMES) {
    it(`${protocol}: ${CLIENTS} clients receive every published message once, in order, with latency from the marker`, async () => {
      const channel = `feed_${protocol.replace('-', '_')}`;
      const run = newRunTag();
      const subscribers = await subscribe({
        protocol,
        url: endpoint(protocol, channel),
        run,
        count: CLIENTS,
        foreign: { cursor: NCHAN_CURSOR, drain: true },
      });
      const transport = httpPublisher(`${nchan.url}/pub/${channel}`);
      const before = nowMicros();
      try {
        const result = await publish(transport, run, MESSAGES, { rate: 400, payload: PAYLOAD });
        expect(result).toMatchObject({ attempted: MESSAGES, acked: MESSAGES, failed: 0, lastSeq: MESSAGES });
        expect(result.ackLatency.count).toBeGreaterThanOrEqual(MESSAGES);
        await untilAll(subscribers, MESSAGES);
        for (const { client, recorder } of subscribers) {
          expect(recorder.seqs).toEqual(range(1, MESSAGES));
          for (const update of recorder.updates) {
            // The marker's timestamp is the harness's own publish time, before the receipt.
            expect(update.ts).toBeGreaterThanOrEqual(before);
            expect(update.receivedAt).toBeGreaterThanOrEqual(update.ts);
            // nchan delivers the published body as it was: each update is exactly the payload.
            expect(update.bytes).toBe(PAYLOAD);
          }
          expect(client.counters.messages).toBe(MESSAGES);
          expect(client.counters.errors).toBe(0);
          expect(client.counters.bytesRead).toBeGreaterThan(MESSAGES * PAYLOAD);
        }
      } finally {
        await transport.close();
        await closeAll(subscribers);
      }
    });
  }
});
