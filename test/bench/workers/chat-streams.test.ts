import { describe, expect, it } from 'vitest';
import { ChatStreams, type ChatStreamCounts } from '../../../bench/workers/chat-streams.js';

function streams(): { receiver: ChatStreams; counts: ChatStreamCounts } {
  const counts: ChatStreamCounts = { deliveredBy: new Map(), duplicated: 0, outOfOrder: 0 };
  return { receiver: new ChatStreams(counts), counts };
}

describe('ChatStreams: each sender’s stream at one receiver', () => {
  it('counts an in-order stream per sender, senders apart', () => {
    const { receiver, counts } = streams();
    for (let n = 1; n <= 5; n++) {
      expect(receiver.record('c1', n)).toBe(true);
      expect(receiver.record('c2', n)).toBe(true);
    }
    expect(Object.fromEntries(counts.deliveredBy)).toEqual({ c1: 5, c2: 5 });
    expect(counts).toMatchObject({ duplicated: 0, outOfOrder: 0 });
  });

  it('tells a duplicate from a late message that fills a gap', () => {
    const { receiver, counts } = streams();
    for (const n of [1, 2, 4, 5]) receiver.record('c1', n);
    expect(receiver.record('c1', 3)).toBe(true); // late: fills the gap
    expect(receiver.record('c1', 3)).toBe(false); // seen
    expect(receiver.record('c1', 5)).toBe(false); // seen, the top
    expect(receiver.record('c1', 1)).toBe(false); // seen, below every gap
    expect(counts.deliveredBy.get('c1')).toBe(5);
    expect(counts).toMatchObject({ duplicated: 3, outOfOrder: 1 });
  });

  it('leaves a gap (a refused message) open without counting it as delivered', () => {
    const { receiver, counts } = streams();
    for (const n of [1, 2, 3, 5, 6]) receiver.record('c7', n);
    expect(counts.deliveredBy.get('c7')).toBe(5);
    expect(counts).toMatchObject({ duplicated: 0, outOfOrder: 0 });
  });

  it('bounds the gaps remembered: a huge jump costs no more than 1024 entries', () => {
    const { receiver, counts } = streams();
    receiver.record('c1', 1);
    receiver.record('c1', 1_000_000);
    expect(receiver.record('c1', 999_999)).toBe(true);
    expect(receiver.record('c1', 2)).toBe(false);
    expect(counts).toMatchObject({ duplicated: 1, outOfOrder: 1 });
  });
});
