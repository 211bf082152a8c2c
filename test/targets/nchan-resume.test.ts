import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRunTag } from '../../clients/codecs/marker.js';
import type { ProtocolName } from '../../wire/protocols.js';
import { range } from '../clients/helpers.js';
import { startNchan, type RunningNchan } from '../helpers/nchan-server.js';
import { startGate, type TcpGate } from '../helpers/tcp-gate.js';
import { closeAll, httpPublisher, NCHAN_CURSOR, publish, subscribe, untilAll, type Subscriber } from './helpers.js';

/**
 * Resume after a disconnect against real nchan: the clients reach nginx through a gate the test
 * controls, so the outage is exact: the gate holds new connections and cuts the open ones,
 * messages are published while the clients are away, then the gate lets the reconnects through.
 */

const CLIENTS = 20;
const BEFORE = 10;
const DURING = 20;

let roomy: RunningNchan;
let short: RunningNchan;
let roomyGate: TcpGate;
let shortGate: TcpGate;
const SHORT_BUFFER = 5;

beforeAll(async () => {
  [roomy, short] = await Promise.all([startNchan(), startNchan({ bufferLength: SHORT_BUFFER })]);
  [roomyGate, shortGate] = await Promise.all([
    startGate({ host: '127.0.0.1', port: roomy.port }),
    startGate({ host: '127.0.0.1', port: short.port }),
  ]);
});

afterAll(async () => {
  await Promise.all([roomyGate?.close(), shortGate?.close()]);
  await Promise.all([roomy?.stop(), short?.stop()]);
});

function endpoint(gate: TcpGate, server: RunningNchan, protocol: ProtocolName, channel: string): string {
  const base = gate.url(server.url);
  return `${protocol === 'ws' ? base.replace(/^http/, 'ws') : base}/${protocol === 'short-poll' ? 'poll' : 'sub'}/${channel}`;
}

/** Publishes `count` messages one by one, each awaited at every subscriber (no client falls behind a short buffer). */
async function publishInStep(server: RunningNchan, channel: string, run: string, subscribers: Subscriber[], count: number): Promise<void> {
  const transport = httpPublisher(`${server.url}/pub/${channel}`);
  try {
    for (let seq = 1; seq <= count; seq++) {
      await publish(transport, run, 1, { firstSeq: seq });
      await untilAll(subscribers, seq);
    }
  } finally {
    await transport.close();
  }
}

/** Outage: hold and cut at the gate, publish `DURING` messages directly to nginx, release. */
async function outage(
  gate: TcpGate,
  server: RunningNchan,
  channel: string,
  run: string,
  subscribers: Subscriber[],
  awaitDrop: boolean,
): Promise<void> {
  gate.hold();
  expect(gate.cut()).toBeGreaterThan(0);
  if (awaitDrop)
    await Promise.all(
      subscribers.map(({ recorder }) => recorder.until((r) => r.closes.some((close) => close.willReconnect), 5000, 'the drop')),
    );
  const transport = httpPublisher(`${server.url}/pub/${channel}`);
  try {
    const result = await publish(transport, run, DURING, { firstSeq: BEFORE + 1 });
    expect(result.acked).toBe(DURING);
  } finally {
    await transport.close();
    gate.release();
  }
}

/**
 * `CLIENTS` subscribers of `protocol` on `channel` through `gate`: `BEFORE` messages in step, the
 * outage with `DURING` more, and once every subscriber has seen the last, `check` on them.
 */
async function acrossOutage(
  gate: TcpGate,
  server: RunningNchan,
  protocol: ProtocolName,
  channel: string,
  check: (subscribers: Subscriber[]) => void,
  foreign?: Parameters<typeof subscribe>[0]['foreign'],
): Promise<void> {
  const run = newRunTag();
  const subscribers = await subscribe({
    protocol,
    url: endpoint(gate, server, protocol, channel),
    run,
    count: CLIENTS,
    ...(foreign !== undefined ? { foreign } : protocol === 'ws' ? {} : { foreign: { cursor: NCHAN_CURSOR, drain: true } }),
  });
  try {
    await publishInStep(server, channel, run, subscribers, BEFORE);
    await outage(gate, server, channel, run, subscribers, protocol !== 'short-poll');
    await untilAll(subscribers, BEFORE + DURING);
    check(subscribers);
  } finally {
    await closeAll(subscribers);
  }
}

describe('nchan resume after a disconnect', () => {
  const resumable: Array<[ProtocolName, string]> = [
    ['sse', 'Last-Event-ID'],
    ['long-poll', 'If-None-Match/If-Modified-Since'],
    ['short-poll', 'If-None-Match/If-Modified-Since'],
  ];

  for (const [protocol, how] of resumable) {
    it(`${protocol} recovers every message published while it was away (${how})`, async () => {
      await acrossOutage(roomyGate, roomy, protocol, `resume_${protocol.replace('-', '_')}`, (subscribers) => {
        for (const { recorder } of subscribers) expect(recorder.seqs).toEqual(range(1, BEFORE + DURING));
        if (protocol !== 'short-poll') for (const { client } of subscribers) expect(client.counters.reconnects).toBeGreaterThanOrEqual(1);
      });
    });

    it(`${protocol} reports exactly the messages nchan's ${SHORT_BUFFER}-message buffer no longer had`, async () => {
      await acrossOutage(shortGate, short, protocol, `loss_${protocol.replace('-', '_')}`, (subscribers) => {
        // nchan kept the last 5 of the 20: it resumes from its oldest, 26; 11 … 25 are gone.
        const kept = range(BEFORE + DURING - SHORT_BUFFER + 1, BEFORE + DURING);
        for (const { recorder } of subscribers) expect(recorder.seqs).toEqual([...range(1, BEFORE), ...kept]);
      });
    });
  }

  it('ws resumes on nchan with ws+meta.nchan message ids: the reconnect asks for last_event_id and gets exactly what it missed', async () => {
    const ids = { wsMessageIds: { subprotocol: 'ws+meta.nchan', param: 'last_event_id' } };
    await acrossOutage(
      roomyGate,
      roomy,
      'ws',
      'resume_ws_meta',
      (subscribers) => {
        for (const { recorder, client } of subscribers) {
          expect(recorder.seqs).toEqual(range(1, BEFORE + DURING));
          expect(client.counters.reconnects).toBe(1);
        }
      },
      ids,
    );
  });

  it('ws without message ids (plain frames) cannot resume on nchan: a reconnect starts over at the oldest buffered message', async () => {
    await acrossOutage(roomyGate, roomy, 'ws', 'resume_ws', (subscribers) => {
      // The reconnect is a new subscriber: nchan sends its whole buffer again, and the
      // duplicates are there for the delivery count to report.
      for (const { recorder, client } of subscribers) {
        expect(recorder.seqs).toEqual([...range(1, BEFORE), ...range(1, BEFORE + DURING)]);
        expect(client.counters.reconnects).toBe(1);
      }
    });
  });
});
