import { afterEach, describe, expect, it } from 'vitest';
import { errorCode, exchange, rawRequest } from './raw-http.js';
import { getJson, openSse, openWs, startServer, type TestServer } from './helpers.js';

let server: TestServer;
afterEach(async () => {
  await server?.close();
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${url}/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const chatOf = (message: { data?: unknown }): unknown => (message.data as { chat?: unknown } | undefined)?.chat;

describe('chat: POST /chat and the WebSocket chat message', () => {
  it('relays a posted message to the lobby as a feed update carrying sender, sequence and send time', async () => {
    server = await startServer();
    const sse = await openSse(`${server.url}/sse`);
    await sse.inbox.until((m) => m.length >= 1);
    const answer = await post(server.url, { from: 'alice', n: 1, ts: 1234, text: 'hello "all"' });
    expect(answer.status).toBe(204);
    await sse.inbox.until(() => sse.inbox.seqsOf().length === 1);
    const [update] = sse.inbox.messages.filter((m) => m.type === 'update');
    expect(chatOf(update!)).toEqual({ from: 'alice', n: 1, ts: 1234, text: 'hello "all"' });
    expect(server.server.context.stats.chatRelayed).toBe(1);
    sse.close();
  });

  it('keeps rooms apart: a room is a feed of its own on every transport, with its own sequence and resume', async () => {
    server = await startServer();
    const lobby = await openWs(`${server.wsUrl}/ws`);
    const roomWs = await openWs(`${server.wsUrl}/ws?room=r1`);
    const roomSse = await openSse(`${server.url}/sse?room=r1`);
    await Promise.all([lobby, roomWs].map((peer) => peer.inbox.until((m) => m.length >= 1)));
    await roomSse.inbox.until((m) => m.length >= 1);
    roomWs.ws.send(JSON.stringify({ type: 'chat', from: 'bob', n: 1, ts: 5, text: 'in r1', room: 'r1' }));
    expect((await post(server.url, { from: 'carol', n: 1, ts: 6, text: 'also r1', room: 'r1' })).status).toBe(204);
    await roomSse.inbox.until(() => roomSse.inbox.seqsOf().length === 2);
    await roomWs.inbox.until(() => roomWs.inbox.seqsOf().length === 2);
    expect(roomSse.inbox.messages.filter((m) => m.type === 'update').map((m) => [m.seq, chatOf(m)])).toEqual([
      [1, { from: 'bob', n: 1, ts: 5, room: 'r1', text: 'in r1' }],
      [2, { from: 'carol', n: 1, ts: 6, room: 'r1', text: 'also r1' }],
    ]);
    expect(lobby.inbox.seqsOf()).toEqual([]);
    const roomEpoch = roomSse.inbox.messages[0]!.epoch!;
    expect(roomEpoch).not.toBe(server.server.context.feed.epoch);
    const shortPoll = await getJson(`${server.url}/poll?room=r1&since=1&epoch=${roomEpoch}`);
    expect(shortPoll.body.events.map((event) => chatOf(event))).toEqual([{ from: 'carol', n: 1, ts: 6, room: 'r1', text: 'also r1' }]);
    const longPoll = await getJson(`${server.url}/long-poll?room=r1&since=0&epoch=${roomEpoch}`);
    expect(longPoll.body.events.map((event) => event.seq)).toEqual([1, 2]);
    lobby.ws.close();
    roomWs.ws.close();
    roomSse.close();
  });

  it.each([
    ['no sender', { n: 1, ts: 1, text: 'x' }, /"from"/],
    ['a bad sender', { from: 'a b', n: 1, ts: 1, text: 'x' }, /"from"/],
    ['n = 0', { from: 'a', n: 0, ts: 1, text: 'x' }, /"n"/],
    ['a fractional ts', { from: 'a', n: 1, ts: 1.5, text: 'x' }, /"ts"/],
    ['text that is not a string', { from: 'a', n: 1, ts: 1, text: 5 }, /"text"/],
    ['an unknown member', { from: 'a', n: 1, ts: 1, text: 'x', typing: true }, /unknown member "typing"/],
    ['a bad room', { from: 'a', n: 1, ts: 1, text: 'x', room: '../x' }, /room/],
    ['a type (only the WebSocket message has one)', { type: 'chat', from: 'a', n: 1, ts: 1, text: 'x' }, /unknown member "type"/],
  ])('refuses a posted message with %s: 400 WL_BAD_BODY naming it', async (_what, body, message) => {
    server = await startServer();
    const answer = await post(server.url, body);
    expect(answer.status).toBe(400);
    const { error } = (await answer.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('WL_BAD_BODY');
    expect(error.message).toMatch(message);
  });

  it('takes text/plain bodies as browsers send them, refuses bodies that are not JSON or too large', async () => {
    server = await startServer({ maxMessageBytes: 256 });
    expect((await post(server.url, JSON.stringify({ from: 'a', n: 1, ts: 1, text: 'x' }), { 'content-type': 'text/plain' })).status).toBe(
      204,
    );
    const notJson = await post(server.url, '{nope', { 'content-type': 'text/plain' });
    expect(((await notJson.json()) as { error: { code: string } }).error.code).toBe('WL_BAD_BODY');
    const large = await post(server.url, { from: 'a', n: 2, ts: 1, text: 'y'.repeat(300) });
    expect(large.status).toBe(413);
    expect(((await large.json()) as { error: { code: string } }).error.code).toBe('WL_TOO_LARGE');
  });

  it('answers a bad chat message on a WebSocket with WL_BAD_MESSAGE and keeps the connection', async () => {
    server = await startServer();
    const peer = await openWs(`${server.wsUrl}/ws`);
    peer.ws.send(JSON.stringify({ type: 'chat', from: 'a', n: 'one', ts: 1, text: 'x' }));
    await peer.inbox.until((m) => m.some((x) => x.type === 'error'));
    expect(peer.inbox.messages.find((m) => m.type === 'error')).toMatchObject({
      code: 'WL_BAD_MESSAGE',
      message: expect.stringMatching(/"n"/),
    });
    peer.ws.send(JSON.stringify({ type: 'chat', from: 'a', n: 1, ts: 1, text: 'x' }));
    await peer.inbox.until(() => peer.inbox.seqsOf().length === 1);
    peer.ws.close();
  });

  it('refuses a room query that is not a room name before any stream starts', async () => {
    server = await startServer();
    const answer = await fetch(`${server.url}/sse?room=${encodeURIComponent('a/b')}`);
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('WL_BAD_QUERY');
  });

  it('refuses a room past maxRooms with 503 WL_CHAT_CAPACITY, on subscribe and on post', async () => {
    server = await startServer({ maxRooms: 1 });
    expect((await fetch(`${server.url}/poll?room=one`)).status).toBe(200);
    const refused = await fetch(`${server.url}/poll?room=two`);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('WL_CHAT_CAPACITY');
    const posted = await post(server.url, { from: 'a', n: 1, ts: 1, text: 'x', room: 'three' });
    expect(posted.status).toBe(503);
  });
});

describe('chat rate limit', () => {
  const body = (n: number): string => JSON.stringify({ from: 'fast', n, ts: 1, text: 'x' });
  const posts = (count: number): string =>
    Array.from({ length: count }, (_, index) => rawRequest('POST', '/chat', { 'Content-Type': 'application/json' }, body(index + 1))).join(
      '',
    );

  it('refuses a sender over the rate with 429 WL_RATE_LIMITED and Retry-After, keeping the connection', async () => {
    server = await startServer({ messageRatePerSecond: 3, rateLimitStrikes: 3 });
    const answers = await exchange(server.url, posts(5), ['whole', 'whole', 'whole', 'whole', 'whole']);
    expect(answers.map((answer) => answer.status)).toEqual([204, 204, 204, 429, 429]);
    expect(errorCode(answers[3]!)).toBe('WL_RATE_LIMITED');
    expect(answers[3]!.headers['retry-after']).toBe('1');
    expect(answers[3]!.headers.connection).not.toBe('close');
    expect(server.server.context.stats.chatRefused).toBe(2);
    expect(server.server.context.stats.chatRelayed).toBe(3);
  });

  it('closes the connection that carried a message in the last strike, as a WebSocket closes with 1008', async () => {
    server = await startServer({ messageRatePerSecond: 3, rateLimitStrikes: 1 });
    const answers = await exchange(server.url, posts(6), ['whole', 'whole', 'whole', 'whole', 'whole', 'whole']);
    // The fourth is refused and its connection closed: the fifth and sixth are never answered.
    expect(answers.map((answer) => answer.status)).toEqual([204, 204, 204, 429]);
    expect(answers[3]!.headers.connection).toBe('close');
  });

  it('names a refused WebSocket chat message by its n', async () => {
    server = await startServer({ messageRatePerSecond: 2, rateLimitStrikes: 3 });
    const peer = await openWs(`${server.wsUrl}/ws`);
    for (let n = 1; n <= 3; n++) peer.ws.send(JSON.stringify({ type: 'chat', from: 'w', n, ts: 1, text: 'x' }));
    await peer.inbox.until((m) => m.some((x) => x.type === 'error'));
    expect(peer.inbox.messages.find((m) => m.type === 'error')).toMatchObject({ code: 'WL_RATE_LIMITED', n: 3 });
    expect(server.server.context.stats.chatRefused).toBe(1);
    peer.ws.close();
  });
});
