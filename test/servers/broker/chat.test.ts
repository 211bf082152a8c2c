import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from './redis-server.js';
import { startInstance, type Instance } from './helpers.js';
import { openSse, openWs } from '../helpers.js';

/**
 * Chat on a broker-backed server: only the publisher lock holder writes the shared feed, so
 * lobby chat is refused with a code on every instance rather than silently dropped on some;
 * rooms, each instance's own, work.
 */
describe('broker: chat', () => {
  let redis: TestRedis;
  let instance: Instance;

  beforeAll(async () => {
    redis = await startRedis();
    instance = await startInstance(redis.url, 'chat');
  });

  afterAll(async () => {
    await instance?.close();
    await redis?.stop();
  });

  const post = (body: object): Promise<Response> =>
    fetch(`${instance.url}/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('refuses lobby chat with 503 WL_CHAT_UNAVAILABLE, over HTTP and on a WebSocket', async () => {
    const answer = await post({ from: 'a', n: 1, ts: 1, text: 'x' });
    expect(answer.status).toBe(503);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('WL_CHAT_UNAVAILABLE');
    const peer = await openWs(`${instance.url.replace(/^http/, 'ws')}/ws`);
    peer.ws.send(JSON.stringify({ type: 'chat', from: 'a', n: 1, ts: 1, text: 'x' }));
    await peer.inbox.until((m) => m.some((x) => x.type === 'error'));
    expect(peer.inbox.messages.find((m) => m.type === 'error')).toMatchObject({ code: 'WL_CHAT_UNAVAILABLE' });
    peer.ws.close();
  });

  it('relays chat in a room', async () => {
    const member = await openSse(`${instance.url}/sse?room=r1`);
    await member.inbox.until((m) => m.length >= 1);
    expect((await post({ from: 'a', n: 1, ts: 1, text: 'hi', room: 'r1' })).status).toBe(204);
    await member.inbox.until(() => member.inbox.seqsOf().length === 1);
    expect(member.inbox.messages.find((m) => m.type === 'update')!.data).toEqual({
      chat: { from: 'a', n: 1, ts: 1, room: 'r1', text: 'hi' },
    });
    member.close();
  });
});
