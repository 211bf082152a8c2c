import { describe, expect, it } from 'vitest';
import { FeedClientError } from '../../clients/base.js';
import { PROTOCOL_NAMES, type ProtocolName } from '../../wire/protocols.js';
import { closedAfterEach, closedPort, eventually, fastOptions, range, Recorder, startServer } from './helpers.js';

/** Every client and server a test opens, closed after it whatever happened. */
const { server, client } = closedAfterEach();

describe.each(PROTOCOL_NAMES)('%s client against the real server', (protocol: ProtocolName) => {
  it('gets the snapshot, then every update in order with its seq, ts and size', async () => {
    const s = await server();
    const early = s.publish(3);
    const recorder = new Recorder();
    const c = client(fastOptions(protocol, s.url, recorder));
    expect(c.state).toBe('idle');
    await c.connect();
    expect(c.state).toBe('open');
    expect(recorder.snapshots).toEqual([{ kind: 'initial', seq: 3, epoch: s.server.context.feed.epoch }]);
    expect(recorder.opens).toHaveLength(1);
    expect(recorder.opens[0]).toBeGreaterThan(0);
    expect(recorder.opens[0]).toBeLessThan(2_000_000);
    expect(c.epoch).toBe(s.server.context.feed.epoch);
    expect(c.lastSeq).toBe(3);
    expect(early).toHaveLength(3);

    const published = s.publish(20);
    await recorder.untilSeq(23);
    published.push(...s.publish(30));
    await recorder.untilSeq(53);

    expect(recorder.seqs).toEqual(range(4, 53));
    for (const [index, update] of recorder.updates.entries()) {
      expect(update.ts).toBe(published[index]!.ts);
      expect(update.bytes).toBe(published[index]!.bytes);
      expect(update.receivedAt).toBeGreaterThanOrEqual(update.ts);
    }
    expect(c.lastSeq).toBe(53);
    expect(c.counters.messages).toBe(51);
    expect(c.counters.reconnects).toBe(0);
    expect(c.counters.requests).toBeGreaterThanOrEqual(1);
    if (protocol === 'ws' || protocol === 'sse') expect(c.counters.requests).toBe(1);
  });

  it('resumes after the server drops it, without missing or repeating an event', async () => {
    const s = await server();
    const recorder = new Recorder();
    const c = client(fastOptions(protocol, s.url, recorder));
    await c.connect();
    s.publish(10);
    await recorder.untilSeq(10);

    const transport = s.server.context.transports.get(protocol)!;
    transport.drop();
    s.publish(10); // while the client is away
    await recorder.untilSeq(20);
    s.publish(5); // and after it is back
    await recorder.untilSeq(25);

    expect(recorder.seqs).toEqual(range(1, 25));
    expect(recorder.snapshots.map((snapshot) => snapshot.kind)).toEqual(['initial']);
    expect(c.counters.resets).toBe(0);
    if (protocol !== 'short-poll') {
      // A short poll between requests holds no connection to drop.
      expect(c.counters.reconnects).toBeGreaterThanOrEqual(1);
      expect(recorder.closes[0]!.willReconnect).toBe(true);
      expect(recorder.closes[0]!.delayMs).toBe(20);
      expect(recorder.opens.length).toBeGreaterThanOrEqual(2);
    }
    if (protocol === 'ws') expect(recorder.closes[0]!.code).toBe(4000);
    expect(c.state).toBe('open');
  });

  it('answers PING with a sane round trip', async () => {
    const s = await server();
    const recorder = new Recorder();
    const c = client(fastOptions(protocol, s.url, recorder));
    await c.connect();
    const requestsBefore = c.counters.requests;
    const result = await c.ping('p-1');
    expect(result.rttMicros).toBeGreaterThan(0);
    expect(result.rttMicros).toBeLessThan(2_000_000);
    expect(result.rttMicros).toBe(result.receivedAt - result.sentAt);
    expect(result.serverTs).toBeGreaterThanOrEqual(result.sentAt);
    expect(result.serverTs).toBeLessThanOrEqual(result.receivedAt);
    const second = await c.ping();
    expect(second.sentAt).toBeGreaterThan(result.sentAt);
    expect(c.counters.pings).toBe(2);
    if (protocol !== 'ws') expect(c.counters.requests - requestsBefore).toBeGreaterThanOrEqual(2);
    expect(c.state).toBe('open');
  });

  it('counts exactly the bytes the server counts on its sockets', async () => {
    const s = await server();
    const recorder = new Recorder();
    const c = client(fastOptions(protocol, s.url, recorder));
    await c.connect();
    s.publish(20);
    await recorder.untilSeq(20);
    expect(c.counters.bytesRead).toBeGreaterThan(20 * 40);
    expect(c.counters.bytesWritten).toBeGreaterThan(0);

    if (protocol === 'ws') {
      // Quiescent and still connected: everything the server wrote has been read.
      const stats = (await (await fetch(`${s.url}/stats`)).json()) as {
        transports: Record<string, { bytesSent: number; bytesReceived: number }>;
      };
      expect(stats.transports.ws!.bytesSent).toBe(c.counters.bytesRead);
      expect(stats.transports.ws!.bytesReceived).toBe(c.counters.bytesWritten);
    }

    await c.close();
    const counted = await eventually(
      () => s.server.context.stats.bytes(protocol),
      (bytes) => bytes.bytesSent === c.counters.bytesRead && bytes.bytesReceived === c.counters.bytesWritten,
    );
    expect({ read: c.counters.bytesRead, written: c.counters.bytesWritten }).toEqual({
      read: counted.bytesSent,
      written: counted.bytesReceived,
    });
  });

  it('sends the resume point, and takes a reset for another epoch', async () => {
    const s = await server();
    s.publish(5);
    const recorder = new Recorder();
    const c = client(fastOptions(protocol, s.url, recorder, { since: 3, epoch: 'otherrun' }));
    await c.connect();
    const epoch = s.server.context.feed.epoch;
    expect(recorder.snapshots).toEqual([{ kind: 'reset', seq: 5, epoch, reason: 'epoch' }]);
    expect(c.counters.resets).toBe(1);
    expect(c.epoch).toBe(epoch);
    s.publish(2);
    await recorder.untilSeq(7);
    expect(recorder.seqs).toEqual([6, 7]);
  });

  it('resumes from a given point of the same run', async () => {
    const s = await server();
    s.publish(5);
    const recorder = new Recorder();
    const c = client(fastOptions(protocol, s.url, recorder, { since: 2, epoch: s.server.context.feed.epoch }));
    await c.connect();
    await recorder.untilSeq(5);
    expect(recorder.seqs).toEqual([3, 4, 5]);
    expect(recorder.snapshots).toEqual([]);
  });

  it('takes a too-old reset when the resume point left the history', async () => {
    const s = await server({ historySize: 5 });
    s.publish(20);
    const recorder = new Recorder();
    const c = client(fastOptions(protocol, s.url, recorder, { since: 2, epoch: s.server.context.feed.epoch }));
    await c.connect();
    expect(recorder.snapshots).toEqual([{ kind: 'reset', seq: 20, epoch: s.server.context.feed.epoch, reason: 'too-old' }]);
    expect(c.lastSeq).toBe(20);
  });

  it('stops on a 4xx answer instead of retrying', async () => {
    const s = await server();
    const recorder = new Recorder();
    const c = client(fastOptions(protocol, s.url, recorder, { since: 999, epoch: s.server.context.feed.epoch }));
    const error = await c.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FeedClientError);
    expect((error as FeedClientError).status).toBe(400);
    expect((error as FeedClientError).code).toBe('WL_CURSOR_AHEAD');
    expect(c.state).toBe('closed');
    expect(c.counters.reconnects).toBe(0);
    expect(recorder.errors).toHaveLength(1);
    expect(recorder.closes).toEqual([expect.objectContaining({ code: 400, willReconnect: false })]);
    await expect(c.ping()).rejects.toThrow(/closed/);
  });

  it('sends the access token', async () => {
    const s = await server({ accessToken: 'sesame' });
    const ok = new Recorder();
    const withToken = client(fastOptions(protocol, s.url, ok, { token: 'sesame' }));
    await withToken.connect();
    await withToken.ping();
    const refused = new Recorder();
    const without = client(fastOptions(protocol, s.url, refused, { headers: { 'x-test': '1' } }));
    await expect(without.connect()).rejects.toMatchObject({ status: 401, code: 'WL_UNAUTHORIZED' });
  });

  it('retries a refused connection with backoff, then gives up after maxAttempts', async () => {
    const port = await closedPort();
    const recorder = new Recorder();
    const c = client(
      fastOptions(protocol, `http://127.0.0.1:${port}`, recorder, {
        reconnect: { initialDelayMs: 5, multiplier: 2, jitter: 0, maxAttempts: 3 },
      }),
    );
    await expect(c.connect()).rejects.toThrow(/gave up after 3 reconnect attempts/);
    expect(c.counters.reconnects).toBe(3);
    expect(c.counters.connectAttempts).toBe(4);
    expect(recorder.closes.map((close) => close.delayMs)).toEqual([5, 10, 20, undefined]);
    expect(recorder.closes.map((close) => close.willReconnect)).toEqual([true, true, true, false]);
    expect(c.state).toBe('closed');
  });

  it('reconnects after the server restarts and takes the new run as a reset', async () => {
    const first = await startServer({ epoch: 'runone' });
    const port = Number(new URL(first.url).port);
    const recorder = new Recorder();
    const c = client(fastOptions(protocol, first.url, recorder));
    await c.connect();
    first.publish(4);
    await recorder.untilSeq(4);
    await first.close();
    await recorder.until((r) => r.closes.length > 0 || protocol === 'short-poll', 5000, 'a close');
    const second = await server({ epoch: 'runtwo', port } as never);
    second.publish(2);
    await recorder.until((r) => r.snapshots.some((snapshot) => snapshot.kind === 'reset'), 5000, 'a reset');
    expect(recorder.snapshots.at(-1)).toEqual({ kind: 'reset', seq: 2, epoch: 'runtwo', reason: 'epoch' });
    expect(c.epoch).toBe('runtwo');
    const before = recorder.updates.length;
    second.publish(1);
    await recorder.until((r) => r.updates.length > before, 5000, 'an update of the new run');
    expect(recorder.seqs).toEqual([1, 2, 3, 4, 3]);
    expect(c.lastSeq).toBe(3);
  });

  it('delivers a live bench feed without gaps', async () => {
    const s = await server({ mode: 'bench', rate: 200, payload: 100 });
    const recorder = new Recorder();
    const c = client(fastOptions(protocol, s.url, recorder));
    await c.connect();
    await recorder.until((r) => r.updates.length >= 40, 5000, '40 updates');
    const seqs = recorder.seqs;
    const first = recorder.snapshots[0]!.seq;
    expect(seqs).toEqual(range(first + 1, first + seqs.length));
    for (const update of recorder.updates) expect(update.bytes).toBe(100);
  });
});

describe('close()', () => {
  it('rejects a pending connect and is idempotent', async () => {
    const port = await closedPort();
    const c = client(fastOptions('ws', `http://127.0.0.1:${port}`, new Recorder(), { reconnect: { initialDelayMs: 60_000 } }));
    const connecting = expect(c.connect()).rejects.toThrow(/closed/);
    const closing = c.close();
    expect(c.close()).toBe(closing);
    await closing;
    await connecting;
    expect(c.state).toBe('closed');
    await expect(c.connect()).rejects.toThrow(/closed/);
  });
});
