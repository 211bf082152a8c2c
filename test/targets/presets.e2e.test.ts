import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../clients/index.js';
import { MarkerScanner, newRunTag } from '../../clients/codecs/marker.js';
import { targetClientOptions } from '../../bench/target/client-options.js';
import { Publisher } from '../../bench/target/publisher.js';
import { createPublishTransport } from '../../bench/target/publishers.js';
import { planTarget } from '../../bench/target/presets/index.js';
import type { TargetInput, TargetPlan } from '../../bench/target/preset.js';
import { range, Recorder } from '../clients/helpers.js';
import { startGenericServer, type RunningGeneric } from '../helpers/generic-server.js';
import { startNchan, type RunningNchan } from '../helpers/nchan-server.js';
import { startSocketIoRelay, type RunningRelay } from '../helpers/socketio-relay.js';
import { closeAll, untilAll, type Subscriber } from './helpers.js';

/**
 * Each preset end to end, the way a worker will use it: plan → client options per endpoint
 * (one marker scanner shared by all clients) → the plan's publisher → exact delivery.
 */

const CLIENTS = 50;
const MESSAGES = 60;

let nchan: RunningNchan;
let relay: RunningRelay;
let generic: RunningGeneric;

beforeAll(async () => {
  [nchan, relay, generic] = await Promise.all([startNchan(), startSocketIoRelay({ event: 'tick' }), startGenericServer()]);
});

afterAll(async () => {
  await Promise.all([nchan?.stop(), relay?.close(), generic?.close()]);
});

async function runPlan(plan: TargetPlan): Promise<void> {
  const run = newRunTag();
  const scanner = new MarkerScanner(run);
  const subscribers: Subscriber[] = [];
  for (const endpoint of plan.endpoints) {
    for (let i = 0; i < CLIENTS; i++) {
      const recorder = new Recorder();
      const client = createClient({
        ...targetClientOptions(plan, endpoint, scanner),
        handlers: recorder,
        id: `${endpoint.protocol}-${i}`,
        pollIntervalMs: 50,
        reconnect: { initialDelayMs: 50, jitter: 0 },
      });
      subscribers.push({ client, recorder });
    }
  }
  const transport = createPublishTransport(plan);
  if (transport === undefined) throw new Error('the plan has no publisher');
  try {
    await Promise.all(subscribers.map(({ client }) => client.connect()));
    const result = await new Publisher({ transport, run, rate: 300, payload: 128, maxMessages: MESSAGES, durationMs: 20_000 }).start();
    expect(result).toMatchObject({ attempted: MESSAGES, acked: MESSAGES, failed: 0 });
    await untilAll(subscribers, MESSAGES, 20_000);
    for (const { recorder } of subscribers) expect(recorder.seqs).toEqual(range(1, MESSAGES));
  } finally {
    await transport.close();
    await closeAll(subscribers);
  }
}

describe('presets end to end against real servers', () => {
  it(`nchan: ${CLIENTS} clients on each of the four protocols`, async () => {
    const plan = planTarget({ target: nchan.url, preset: 'nchan', channel: 'preset_e2e' });
    expect(plan.endpoints).toHaveLength(4);
    await runPlan(plan);
  });

  it(`socketio: ${CLIENTS} clients on ws and long-poll`, async () => {
    await runPlan(planTarget({ target: relay.url, preset: 'socketio', event: 'tick' }));
  });

  it(`generic: ${CLIENTS} clients on each protocol given, publishing through a template`, async () => {
    const input: TargetInput = {
      target: generic.url,
      preset: 'generic',
      urls: { ws: '/stream/ws', sse: '/stream/sse', 'long-poll': '/events/wait', 'short-poll': '/events' },
      pollCursor: 'query:after=json:next',
      publish: '/publish',
      publishBody: '{"text":"{{message}}"}',
      publishHeaders: { 'content-type': 'application/json' },
    };
    await runPlan(planTarget(input));
  });
});
