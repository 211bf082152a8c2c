import { afterEach, describe, expect, it } from 'vitest';
import { getJson, startServer, type TestServer } from './helpers.js';

/** `count` and `finish` on /control/feed (docs/control.md): the harness's window counted by the server. */

const TOKEN = 'control-secret';
type FeedAnswer = { feed: { head: number; epoch: string; mode: string }; error?: { code: string; message: string } };

let server: TestServer;
afterEach(async () => {
  await server?.close();
});

function feed(body: object) {
  return getJson<FeedAnswer>(`${server.url}/control/feed`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('a counted bench feed', () => {
  it('publishes exactly `count` updates, and `finish` answers once they are all out, with the head after them', async () => {
    server = await startServer({ controlToken: TOKEN });
    const start = (await feed({ mode: 'idle' })).body.feed.head;
    expect((await feed({ mode: 'bench', rate: 200, payload: 64, count: 25 })).status).toBe(200);
    // Called at once, long before 25 updates at 200/s are due: finish waits for them instead of cutting the window short.
    const fence = await feed({ mode: 'idle', finish: true });
    expect(fence.status).toBe(200);
    expect(fence.body.feed.head - start).toBe(25);
    // Nothing more is published after the count, even with the mode left at bench.
    expect((await feed({ mode: 'bench', rate: 1000, payload: 64, count: 10 })).status).toBe(200);
    await feed({ mode: 'bench', rate: 1000, payload: 64, count: 0, finish: true });
    const after = (await feed({ mode: 'idle', finish: true })).body.feed.head;
    expect(after - start).toBe(35);
  });

  it('answers `finish` at once when no counted feed runs, and refuses a count outside bench mode', async () => {
    server = await startServer({ controlToken: TOKEN });
    expect((await feed({ mode: 'idle', finish: true })).status).toBe(200);
    const refused = await feed({ mode: 'idle', count: 5 });
    expect([refused.status, refused.body.error?.code, refused.body.error?.message]).toEqual([
      400,
      'WL_BAD_BODY',
      'bad request body: count applies to mode bench, not idle',
    ]);
    const negative = await feed({ mode: 'bench', count: -1 });
    expect([negative.status, negative.body.error?.message]).toEqual([400, 'bad request body: body/count must be >= 0']);
  });
});
