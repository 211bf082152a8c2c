import { afterEach, describe, expect, it } from 'vitest';
import { getJson, range, startServer, type PollAnswer, type TestServer } from './helpers.js';

let server: TestServer;
afterEach(async () => {
  await server?.close();
});

type ErrorBody = { error: { code: string; message: string } };

/** Polls `path` from `since` until `count` updates arrived; returns them and the answers. */
async function pollUntil(base: string, path: string, epoch: string, since: number, count: number, onAnswer: () => void = () => {}) {
  const seqs: number[] = [];
  let cursor = since;
  let answers = 0;
  while (seqs.length < count && answers < 500) {
    const { status, body } = await getJson(`${base}${path}?since=${cursor}&epoch=${epoch}&timeout=2000`);
    expect(status).toBe(200);
    answers += 1;
    for (const event of body.events) seqs.push(event.seq);
    cursor = body.next;
    onAnswer();
  }
  return { seqs, answers, cursor };
}

describe.each([
  ['long polling', '/long-poll'],
  ['short polling', '/poll'],
])('%s', (_name, path) => {
  it('starts with the snapshot, then delivers every update in order across answers', async () => {
    server = await startServer({ pollLimit: 7 });
    server.publish(3);
    const first = await getJson(`${server.url}${path}`);
    expect(first.body.events).toHaveLength(1);
    expect(first.body.events[0]).toMatchObject({ type: 'initial', seq: 3 });
    expect(first.body.next).toBe(3);
    server.publish(30);
    const { seqs } = await pollUntil(server.url, path, first.body.epoch, first.body.next, 30, () => server.publish(1));
    expect(seqs.slice(0, 30)).toEqual(range(4, 33));
  });

  it('resumes from an old cursor with every missed update exactly once', async () => {
    server = await startServer();
    server.publish(50);
    const epoch = server.server.context.feed.epoch;
    const { seqs } = await pollUntil(server.url, path, epoch, 20, 30);
    expect(seqs).toEqual(range(21, 50));
  });

  it('answers a reset beyond the ring and for another epoch', async () => {
    server = await startServer({ historySize: 5, epoch: 'now' });
    server.publish(20);
    const tooOld = await getJson(`${server.url}${path}?since=2&epoch=now`);
    expect(tooOld.body.events).toHaveLength(1);
    expect(tooOld.body.events[0]).toMatchObject({ type: 'reset', reason: 'too-old', seq: 20 });
    expect(tooOld.body.next).toBe(20);
    const otherRun = await getJson(`${server.url}${path}?since=19&epoch=before`);
    expect(otherRun.body.events[0]).toMatchObject({ type: 'reset', reason: 'epoch', epoch: 'now' });
  });

  it('refuses bad cursors and parameters with 400 and a named code', async () => {
    server = await startServer();
    server.publish(2);
    const cases: Array<[string, string]> = [
      ['since=abc', 'WL_BAD_CURSOR'],
      ['since=-3', 'WL_BAD_CURSOR'],
      ['since=1.5', 'WL_BAD_CURSOR'],
      ['since=9', 'WL_CURSOR_AHEAD'],
      ['since=1&epoch=BAD!', 'WL_BAD_CURSOR'],
      ['since=1&limit=0', 'WL_BAD_QUERY'],
      ['since=1&since=2', 'WL_BAD_QUERY'],
    ];
    for (const [query, code] of cases) {
      const { status, body } = await getJson<ErrorBody>(`${server.url}${path}?${query}`);
      expect([query, status, body.error.code]).toEqual([query, 400, code]);
      expect(body.error.message.length).toBeGreaterThan(10);
    }
  });
});

describe('long polling', () => {
  it('holds the request until an update exists, then answers with it', async () => {
    server = await startServer();
    server.publish(1);
    const epoch = server.server.context.feed.epoch;
    const held = getJson(`${server.url}/long-poll?since=1&epoch=${epoch}&timeout=10000`);
    await until(() => server.server.context.stats.transports['long-poll'].connections === 1);
    server.publish(2);
    const { body } = await held;
    expect(body.events.map((event) => event.seq)).toEqual([2, 3]);
    expect(body.next).toBe(3);
  });

  it('answers an empty list with the same cursor when the timeout passes', async () => {
    server = await startServer();
    server.publish(4);
    const { body } = await getJson(`${server.url}/long-poll?since=4&timeout=50`);
    expect(body).toEqual({ epoch: server.server.context.feed.epoch, next: 4, events: [] });
  });

  it('refuses a timeout above the maximum', async () => {
    server = await startServer({ longPollMaxTimeoutMs: 1000, longPollTimeoutMs: 500 });
    const { status, body } = await getJson<ErrorBody>(`${server.url}/long-poll?since=0&timeout=5000`);
    expect(status).toBe(400);
    expect(body.error.message).toContain('timeout');
  });

  it('answers held polls at shutdown', async () => {
    server = await startServer();
    const held = getJson(`${server.url}/long-poll?since=0&timeout=20000`);
    await until(() => server.server.context.stats.transports['long-poll'].connections === 1);
    await server.close();
    const { status, body } = await held;
    expect(status).toBe(200);
    expect(body.events).toEqual([]);
  });
});

describe('short polling', () => {
  it('answers at once with an empty list when nothing is new', async () => {
    server = await startServer();
    server.publish(2);
    const { body } = await getJson<PollAnswer>(`${server.url}/poll?since=2`);
    expect(body.events).toEqual([]);
    expect(body.next).toBe(2);
  });
});

/** Waits for a server-side condition by checking on each turn of the event loop. */
async function until(test: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
