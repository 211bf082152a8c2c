import { describe, expect, it } from 'vitest';
import { EmbeddedFeed } from '../../servers/feed.js';
import { parseCursor } from '../../servers/cursor.js';
import { WirelabError } from '../../wire/errors.js';

describe('Feed', () => {
  it('numbers updates 1, 2, 3… with monotonic microsecond timestamps, seq and ts first', () => {
    const feed = new EmbeddedFeed({ historySize: 10, epoch: 'e1' });
    const messages = [feed.publish({ a: 1 }), feed.publish({ a: 2 }), feed.publish({ a: 3 })];
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(messages[2]!.ts).toBeGreaterThanOrEqual(messages[0]!.ts);
    expect(messages[0]!.json).toMatch(/^\{"seq":1,"ts":\d+,"type":"update","data":\{"a":1\}\}$/);
    expect(messages[0]!.bytes).toBe(Buffer.byteLength(messages[0]!.json));
  });

  it('hands listeners each turn as one batch', async () => {
    const feed = new EmbeddedFeed({ historySize: 10 });
    const batches: number[][] = [];
    feed.subscribe((batch) => batches.push(batch.map((m) => m.seq)));
    feed.publish(1);
    feed.publish(2);
    await new Promise((resolve) => process.nextTick(resolve));
    feed.publish(3);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it('reads from a cursor: snapshot, events, reset too-old, reset epoch, ahead', () => {
    const feed = new EmbeddedFeed({ historySize: 5, epoch: 'e1' });
    feed.setSnapshot(() => ({ state: 'now' }));
    for (let index = 0; index < 12; index++) feed.publish(index);
    expect(feed.oldest).toBe(8);
    const initial = feed.read({});
    expect(initial.kind).toBe('initial');
    if (initial.kind === 'initial')
      expect(JSON.parse(initial.message.json)).toMatchObject({ seq: 12, type: 'initial', epoch: 'e1', data: { state: 'now' } });
    const events = feed.read({ since: 7, epoch: 'e1' });
    expect(events.kind === 'events' && events.events.map((m) => m.seq)).toEqual([8, 9, 10, 11, 12]);
    const limited = feed.read({ since: 7 }, 2);
    expect(limited.kind === 'events' && limited.events.map((m) => m.seq)).toEqual([8, 9]);
    expect(feed.read({ since: 6 })).toMatchObject({ kind: 'reset', reason: 'too-old' });
    expect(feed.read({ since: 12, epoch: 'other' })).toMatchObject({ kind: 'reset', reason: 'epoch' });
    expect(feed.read({ since: 13 })).toEqual({ kind: 'ahead', head: 12 });
    expect(feed.read({ since: 12 })).toEqual({ kind: 'events', events: [] });
  });

  it('pads bench updates to the exact payload size through an encoder', () => {
    const feed = new EmbeddedFeed({ historySize: 4 });
    const message = feed.publish((envelope: number) => `{"pad":"${'x'.repeat(200 - envelope - 10)}"}`);
    expect(message.bytes).toBe(200);
  });
});

describe('parseCursor', () => {
  it('reads query cursors and Last-Event-ID in both forms', () => {
    expect(parseCursor({ since: '5', epoch: 'ab1' })).toEqual({ since: 5, epoch: 'ab1' });
    expect(parseCursor({ lastEventId: 'ab1:9', since: '1' })).toEqual({ since: 9, epoch: 'ab1' });
    expect(parseCursor({ lastEventId: '9' })).toEqual({ since: 9 });
    expect(parseCursor({})).toEqual({});
  });

  it('refuses anything that is not a non-negative integer or a well-formed epoch', () => {
    for (const input of [
      { since: 'abc' },
      { since: '-1' },
      { since: '01' },
      { since: '1e3' },
      { epoch: 'UPPER' },
      { lastEventId: 'x:y' },
    ]) {
      expect(() => parseCursor(input)).toThrowError(WirelabError);
    }
  });
});

describe('DemoSource', () => {
  it('moves each match on, scores sometimes, and kicks off again after full time', async () => {
    const { DemoSource } = await import('../../servers/sources/demo.js');
    const feed = new EmbeddedFeed({ historySize: 1000 });
    // A fixed sequence of "random" numbers: each step uses one for the clock and one for a goal.
    const rolls = [0.99, 0.1];
    let next = 0;
    const demo = new DemoSource(feed, [1, 1], () => rolls[next++ % rolls.length]!);
    const steps: Array<{ minute: number; home: number; away: number }> = [];
    feed.subscribe((batch) => {
      for (const m of batch) {
        const data = JSON.parse(m.json).data as { id: number; minute: number; score: { home: number; away: number } };
        if (data.id === 1) steps.push({ minute: data.minute, ...data.score });
      }
    });
    const step = (demo as unknown as { step(event: unknown): void }).step.bind(demo);
    const match = demo.snapshot().events[0]!;
    for (let index = 0; index < 12; index++) step(match);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(steps[0]).toEqual({ minute: 9, home: 1, away: 0 });
    expect(steps.map((s) => s.minute)).toEqual([9, 18, 27, 36, 45, 54, 63, 72, 81, 90, 0, 9]);
    expect(steps[10]).toEqual({ minute: 0, home: 0, away: 0 });
  });
});
