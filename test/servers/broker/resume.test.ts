import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from './redis-server.js';
import { collect, eventually, Log, PROTOCOLS, publishOnAny, range, startInstance, type Instance } from './helpers.js';
import { getJson, openWs } from '../helpers.js';

/**
 * Two instances on one Redis: a client reads from A, goes away, and resumes on B with its
 * cursor. Every update arrives once and in order, whichever instance served it.
 */
describe('broker: resume across instances', () => {
  let redis: TestRedis;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    redis = await startRedis();
    a = await startInstance(redis.url, 'resume');
    await a.server.context.broker!.whenPublisher();
    b = await startInstance(redis.url, 'resume');
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.stop();
  });

  it('shares one epoch and one sequence, and only the lock holder publishes', async () => {
    expect(b.server.context.feed.epoch).toBe(a.server.context.feed.epoch);
    expect([a, b].filter((instance) => instance.server.context.broker!.status().publisher)).toHaveLength(1);
    const start = a.server.context.feed.head;
    await publishOnAny([a, b], 5);
    await eventually(() => b.server.context.feed.head === start + 5, 'B to read the updates');
    expect(a.server.context.feed.head).toBe(start + 5);
  });

  it.each(PROTOCOLS)('%s: read on A, resume on B with the cursor: every update once, in order', async (protocol) => {
    const epoch = a.server.context.feed.epoch;
    const first = a.server.context.feed.head;
    const log = new Log({ epoch, seq: first });
    await publishOnAny([a, b], 10);
    const onA = await collect(protocol, a.url, log);
    await publishOnAny([a, b], 10);
    await eventually(() => log.seq === first + 20, `${protocol} on A to reach ${first + 20}`);
    onA.stop();
    await onA.ended;

    // Published while the client is away; it resumes on the other instance.
    await publishOnAny([a, b], 10);
    const onB = await collect(protocol, b.url, log);
    await publishOnAny([a, b], 10);
    await eventually(() => log.seq === first + 40, `${protocol} on B to reach ${first + 40}`);
    onB.stop();
    await onB.ended;

    expect(log.resets).toEqual([]);
    expect(log.seqs).toEqual(range(first + 1, first + 40));
  });

  it('takes a cursor B has not read yet when the stream has it, and refuses one beyond the stream', async () => {
    const epoch = a.server.context.feed.epoch;
    const head = a.server.context.feed.head;
    // Published and asked for in the same turn: B's copy is behind, the stream is not.
    await publishOnAny([a, b], 3);
    await eventually(() => a.server.context.feed.head === head + 3, 'A to read its updates');
    const answer = await getJson(`${b.url}/poll?since=${head + 3}&epoch=${epoch}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ epoch, next: head + 3, events: [] });

    const ahead = await getJson<{ error: { code: string } }>(`${b.url}/poll?since=${head + 1000}&epoch=${epoch}`);
    expect(ahead.status).toBe(400);
    expect(ahead.body.error.code).toBe('WL_CURSOR_AHEAD');
  });

  it('gives a new subscriber on B the same snapshot position A has', async () => {
    const head = a.server.context.feed.head + 2;
    await publishOnAny([a, b], 2);
    await eventually(() => a.server.context.feed.head === head && b.server.context.feed.head === head, 'A and B to read both updates');
    const peer = await openWs(`${b.url.replace(/^http/, 'ws')}/ws`);
    await peer.inbox.until((messages) => messages.length >= 1);
    expect(peer.inbox.messages[0]).toMatchObject({ type: 'initial', seq: head, epoch: a.server.context.feed.epoch });
    peer.ws.terminate();
  });
});
