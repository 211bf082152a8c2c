import { afterEach, describe, expect, it } from 'vitest';
import { getJson, openWs, startServer, type TestServer } from './helpers.js';

/** Control bodies are checked whole (docs/control.md): what the schema does not list is refused, never dropped. */

const TOKEN = 'control-secret';
type ErrorBody = { error: { code: string; message: string } };

let server: TestServer;
afterEach(async () => {
  await server?.close();
});

/** A control call; `body` undefined sends none, and no content type with it. */
function post(path: string, body: string | undefined) {
  return getJson<ErrorBody & Record<string, unknown>>(`${server.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body }),
  });
}

describe('control bodies', () => {
  it('refuse unknown members and wrong types with 400 WL_BAD_BODY naming them, and change nothing', async () => {
    server = await startServer({ controlToken: TOKEN });
    const peer = await openWs(`${server.wsUrl}/ws`);
    const refused: Array<[string, string, string]> = [
      ['/control/feed', '{"mode":"idle","evil":1}', 'body has an unknown member "evil"'],
      ['/control/feed', '{"mode":"bench","rate":5,"evil":1}', 'body has an unknown member "evil"'],
      ['/control/feed', '{"mode":"bench","rate":"5"}', 'body/rate must be integer'],
      ['/control/feed', '{"mode":"bench","rate":true}', 'body/rate must be integer'],
      ['/control/feed', '{"mode":"bench","payload":null}', 'body/payload must be integer'],
      ['/control/feed', '{"mode":"bench","rate":-1}', 'body/rate must be >= 0'],
      ['/control/feed', '{"rate":5}', "body must have required property 'mode'"],
      ['/control/drop', '{"transport":"ws","evil":1}', 'body has an unknown member "evil"'],
      ['/control/drop', '{"evil":1}', 'body has an unknown member "evil"'],
      ['/control/drop', '{"transport":["ws"]}', 'body/transport must be equal to one of the allowed values'],
      ['/control/reset-counters', '{"evil":1}', 'body has an unknown member "evil"'],
      ['/control/reset-counters', '[]', 'body must be object'],
      ['/control/gc', '{"evil":1}', 'body has an unknown member "evil"'],
    ];
    for (const [path, body, why] of refused) {
      const { status, body: answer } = await post(path, body);
      expect([status, answer.error?.code, answer.error?.message], `POST ${path} ${body}`).toEqual([
        400,
        'WL_BAD_BODY',
        `bad request body: ${why}`,
      ]);
    }
    expect(server.server.context.driver.settings).toMatchObject({ mode: 'idle', rate: 10 });
    expect(server.server.context.stats.transports.ws.accepted).toBe(1);
    peer.ws.send(JSON.stringify({ type: 'ping', id: 'after', ts: 1 }));
    await peer.inbox.until((messages) => messages.some((m) => m.type === 'pong' && m.id === 'after'));
    peer.ws.close();
  });

  it('accept the documented bodies, and no body at all where no member is required', async () => {
    server = await startServer({ controlToken: TOKEN });
    expect(await post('/control/feed', '{"mode":"bench","rate":0,"payload":300}')).toMatchObject({
      status: 200,
      body: { feed: { mode: 'bench', rate: 0, payload: 300 } },
    });
    expect(await post('/control/drop', '{"transport":"sse"}')).toMatchObject({ status: 200, body: { dropped: { sse: 0 } } });
    expect(await post('/control/drop', '{}')).toMatchObject({
      status: 200,
      body: { dropped: { ws: 0, sse: 0, 'long-poll': 0, 'short-poll': 0 } },
    });
    expect(await post('/control/drop', undefined)).toMatchObject({ status: 200 });
    expect(await post('/control/reset-counters', '{}')).toMatchObject({ status: 200, body: { reset: true } });
    expect(await post('/control/reset-counters', undefined)).toMatchObject({ status: 200, body: { reset: true } });
    // The test process runs without --expose-gc: no collection, the memory all the same.
    const gc = await post('/control/gc', undefined);
    expect(gc).toMatchObject({ status: 200, body: { gc: typeof (globalThis as { gc?: unknown }).gc === 'function' } });
    expect((gc.body as unknown as { rssBytes: number }).rssBytes).toBeGreaterThan(0);
  });
});
