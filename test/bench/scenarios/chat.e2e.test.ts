import { beforeAll, describe, expect, it } from 'vitest';
import { runBench } from '../../../bench/run.js';
import type { BenchResult, ProtocolResult } from '../../../bench/report/types.js';
import { SERVER_DEFAULTS } from '../../../servers/config.js';
import { PROTOCOL_NAMES } from '../../../wire/protocols.js';

function column(result: BenchResult, name: string): ProtocolResult {
  const found = result.protocols.find((p) => (p.variant ?? p.protocol) === name);
  if (found === undefined) throw new Error(`no column ${name}: ${JSON.stringify(result.failures)}`);
  return found;
}

const CLIENTS = 12;
/** The four protocols, and SSE over HTTP/2 with 4 clients per connection (chat POSTs as streams of it). */
const COLUMNS = [...PROTOCOL_NAMES, 'sse/h2'];
const ROOM_SIZE = 4;

/** Scenario chat against the real spawned server: every protocol sends the way it really does, and every sender's stream is checked at every member. */
describe('scenario chat end to end', () => {
  let result: BenchResult;

  beforeAll(async () => {
    result = await runBench({
      scenario: 'chat',
      protocols: COLUMNS,
      h2StreamsPerConnection: 4,
      clients: CLIENTS,
      roomSize: ROOM_SIZE,
      sendRate: 2,
      durationMs: 2000,
      warmupMs: 300,
      idleMs: 0,
      workers: 1,
      writeFiles: false,
    });
  }, 180_000);

  it.each(COLUMNS)('%s: every accepted message reaches every member of its room once, in order; nothing is refused', (protocol) => {
    expect(result.failures).toEqual([]);
    const p = column(result, protocol);
    const chat = p.chat!;
    expect(p.clients.connected).toBe(CLIENTS);
    expect(chat).toMatchObject({ senders: CLIENTS, rooms: CLIENTS / ROOM_SIZE, refused: 0, failed: 0, notSent: 0 });
    // Two a second for two seconds, give or take the slot at the window's edge.
    expect(chat.sent).toBeGreaterThanOrEqual(CLIENTS * 3);
    expect(chat.sent).toBe(chat.scheduled);
    expect(chat.relayedByServer).toBe(chat.sent);
    // Rooms isolate: a message is expected at its own room's members only; one leaking into another
    // room would be delivered there too and push `delivered` over `expected`.
    expect(p.delivery.expected).toBe(chat.sent * ROOM_SIZE);
    expect(p.delivery).toMatchObject({ delivered: p.delivery.expected, missed: 0, duplicated: 0, outOfOrder: 0 });
    expect(chat.sendersComplete).toBe(CLIENTS);
    expect(p.latency.count).toBe(p.delivery.delivered);
    expect(chat.upBytesPerSent).toBeGreaterThan(64);
    expect(chat.serverCpuMicrosPerRelayed).toBeGreaterThan(0);
  });

  it('sends upstream the way each protocol does: on the WebSocket, or one POST per message beside the SSE stream', () => {
    expect(column(result, 'ws').chat!.requestsPerSent).toBe(0);
    expect(column(result, 'sse').chat!.requestsPerSent).toBe(1);
    expect(column(result, 'sse/h2').chat!.requestsPerSent).toBe(1);
    // The message's own bytes: a masked frame is smaller than a POST with its headers; a POST's are the same beside SSE or polls.
    const frame = column(result, 'ws').chat!.messageBytesPerSent!;
    const post = column(result, 'sse').chat!.messageBytesPerSent!;
    expect(frame).toBeGreaterThan(64);
    expect(post).toBeGreaterThan(frame);
    expect(column(result, 'long-poll').chat!.messageBytesPerSent).toBeCloseTo(post, -1);
    expect(column(result, 'sse/h2').chat!.messageBytesPerSent).toBeNull();
    expect(column(result, 'sse/h2').http2).toEqual({ streamsPerConnection: 4, connectionsOpened: CLIENTS / 4 });
    // Polling: the POSTs, and the polls the uplink carries as well.
    expect(column(result, 'long-poll').chat!.requestsPerSent).toBeGreaterThan(1);
    expect(column(result, 'short-poll').chat!.requestsPerSent).toBeGreaterThan(1);
  });

  it('records the settings in the result', () => {
    expect(result.options.chat).toMatchObject({
      sendRate: 2,
      roomSize: ROOM_SIZE,
      senderShare: 1,
      serverLimit: SERVER_DEFAULTS.messageRatePerSecond,
    });
    expect(result.options.rate).toBe(0);
  });
});

/** A sender over the server's limit: the excess is refused and reported, never silently throttled. */
describe('scenario chat over the rate limit', () => {
  let result: BenchResult;

  beforeAll(async () => {
    result = await runBench({
      scenario: 'chat',
      protocols: ['ws', 'sse'],
      clients: 4,
      senderShare: 0.5,
      sendRate: 25,
      // Under two seconds: two struck one-second windows, short of the third strike that closes a WebSocket.
      durationMs: 1500,
      warmupMs: 300,
      idleMs: 0,
      workers: 1,
      writeFiles: false,
    });
  }, 120_000);

  it.each(['ws', 'sse'])('%s: counts what the server refused, and delivers what it accepted', (protocol) => {
    expect(result.failures).toEqual([]);
    const p = column(result, protocol);
    const chat = p.chat!;
    expect(chat.senders).toBe(2);
    expect(chat.refused).toBeGreaterThan(0);
    expect(chat.failed).toBe(0);
    // Every message was either relayed or refused, and the server agrees.
    expect(chat.relayedByServer! + chat.refused).toBe(chat.sent);
    expect(p.refusals?.WL_RATE_LIMITED).toBe(chat.refused);
    // The refused ones are not missing: the expectation is what the server accepted, at the 4 members of the one room.
    expect(p.delivery.expected).toBe(chat.relayedByServer! * 4);
    expect(p.delivery).toMatchObject({ delivered: p.delivery.expected, missed: 0, duplicated: 0, outOfOrder: 0 });
  });
});

/** A WebSocket sender over the limit for three seconds in a row is closed with 1008: reported, its later slots not sent, nothing lost. */
describe('scenario chat: a WebSocket closed for the rate limit', () => {
  let result: BenchResult;

  beforeAll(async () => {
    result = await runBench({
      scenario: 'chat',
      protocols: ['ws'],
      clients: 4,
      // One sender (the room's 4th member): what it sends reaches the 4 members, itself included.
      senderShare: 0.25,
      sendRate: 12,
      durationMs: 3800,
      warmupMs: 300,
      idleMs: 0,
      // Still waiting to reconnect when the window ends.
      reconnect: { initialDelayMs: 8000, maxDelayMs: 8000, jitter: 0 },
      workers: 1,
      writeFiles: false,
    });
  }, 120_000);

  it('counts the close as a refusal, the slots while closed as not sent, and misses nothing', () => {
    expect(result.failures).toEqual([]);
    const p = column(result, 'ws');
    const chat = p.chat!;
    expect(chat.senders).toBe(1);
    expect(p.refusals?.['close 1008']).toBe(1);
    // Two struck seconds refused message by message, the third's first excess closes the socket.
    expect(chat.refused).toBe((p.refusals?.WL_RATE_LIMITED ?? 0) + 1);
    expect(chat.notSent).toBeGreaterThan(0);
    expect(chat.relayedByServer! + chat.refused).toBe(chat.sent);
    expect(p.delivery.expected).toBe(chat.relayedByServer! * 4);
    expect(p.delivery).toMatchObject({ delivered: p.delivery.expected, missed: 0, duplicated: 0, outOfOrder: 0 });
    // A member reconnecting when the window ends is not "behind on the last update": chat has no main feed to be behind on.
    expect(p.errors.filter((error) => error.includes('had not received the last update'))).toEqual([]);
  });
});
