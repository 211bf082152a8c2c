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

describe('nchan resume after a disconnect', () => {
  const resumable: Array<[ProtocolName, string]> = [
    ['sse', 'Last-Event-ID'],
    ['long-poll', 'If-None-Match/If-Modified-Since'],
    ['short-poll', 'If-None-Match/If-Modified-Since'],
  ];

  for (const [protocol, how] of resumable) {
    it(`${protocol} recovers every message published while it was away (${how})`, async () => {
      const channel = `resume_${protocol.replace('-', '_')}`;
      const run = newRunTag();
      const subscribers = await subscribe({
        protocol,
        url: endpoint(roomyGate, roomy, protocol, channel),
        run,
        count: CLIENTS,
        foreign: { cursor: NCHAN_CURSOR, drain: true },
      });
      try {
        await publishInStep(roomy, channel, run, subscribers, BEFORE);
        await outage(roomyGate, roomy, channel, run, subscribers, protocol !== 'short-poll');
        await untilAll(subscribers, BEFORE + DURING);
        for (const { recorder } of subscribers) expect(recorder.seqs).toEqual(range(1, BEFORE + DURING));
        if (protocol !== 'short-poll') for (const { client } of subscribers) expect(client.counters.reconnects).toBeGreaterThanOrEqual(1);
      } finally {
        await closeAll(subscribers);
      }
    });

    it(`${protocol} reports exactly the messages nchan's ${SHORT_BUFFER}-message buffer no longer had`, async () => {
      const channel = `loss_${protocol.replace('-', '_')}`;
      const run = newRunTag();
      const subscribers = await subscribe({
        protocol,
        url: endpoint(shortGate, short, protocol, channel),
        run,
        count: CLIENTS,
        foreign: { cursor: NCHAN_CURSOR, drain: true },
      });
      try {
        await publishInStep(short, channel, run, subscribers, BEFORE);
        await outage(shortGate, short, channel, run, subscribers, protocol !== 'short-poll');
        await untilAll(subscribers, BEFORE + DURING);
        // nchan kept the last 5 of the 20: it resumes from its oldest, 26; 11 … 25 are gone.
        const kept = range(BEFORE + DURING - SHORT_BUFFER + 1, BEFORE + DURING);
        for (const { recorder } of subscribers) expect(recorder.seqs).toEqual([...range(1, BEFORE), ...kept]);
      } finally {
        await closeAll(subscribers);
      }
    });
  }

  it('ws resumes on nchan with ws+meta.nchan message ids: the reconnect asks for last_event_id and gets exactly what it missed', async () => {
    const channel = 'resume_ws_meta';
    const run = newRunTag();
    const subscribers = await subscribe({
      protocol: 'ws',
      url: endpoint(roomyGate, roomy, 'ws', channel),
      run,
      count: CLIENTS,
      foreign: { wsMessageIds: { subprotocol: 'ws+meta.nchan', param: 'last_event_id' } },
    });
    try {
      await publishInStep(roomy, channel, run, subscribers, BEFORE);
      await outage(roomyGate, roomy, channel, run, subscribers, true);
      await untilAll(subscribers, BEFORE + DURING);
      for (const { recorder, client } of subscribers) {
        expect(recorder.seqs).toEqual(range(1, BEFORE + DURING));
        expect(client.counters.reconnects).toBe(1);
      }
    } finally {
      await closeAll(subscribers);
    }
  });

  it('ws without message ids (plain frames) cannot resume on nchan: a reconnect starts over at the oldest buffered message', async () => {
    const channel = 'resume_ws';
    const run = newRunTag();
    const subscribers = await subscribe({ protocol: 'ws', url: endpoint(roomyGate, roomy, 'ws', channel), run, count: CLIENTS });
    try {
      await publishInStep(roomy, channel, run, subscribers, BEFORE);
      await outage(roomyGate, roomy, channel, run, subscribers, true);
      await untilAll(subscribers, BEFORE + DURING);
      // The reconnect is a new subscriber: nchan sends its whole buffer again, and the
      // duplicates are there for the delivery count to report.
      for (const { recorder, client } of subscribers) {
        expect(recorder.seqs).toEqual([...range(1, BEFORE), ...range(1, BEFORE + DURING)]);
        expect(client.counters.reconnects).toBe(1);
      }
    } finally {
      await closeAll(subscribers);
    }
  });
});
