import { describe, expect, it } from 'vitest';
import { DeliveryTracker } from '../../../bench/workers/delivery-tracker.js';
import { SpreadMerger, SpreadRing } from '../../../bench/workers/spread.js';

describe('DeliveryTracker', () => {
  it('counts delivered, duplicated and out-of-order exactly within the window', () => {
    const t = new DeliveryTracker();
    t.start(100);
    for (const seq of [99, 100, 101, 102, 102, 104, 103, 105]) t.record(seq);
    expect(t.distinct).toBe(5);
    expect(t.duplicated).toBe(1);
    expect(t.outOfOrder).toBe(1);
    expect(t.deliveredUpTo(105)).toBe(5);
    expect(t.deliveredUpTo(103)).toBe(3);
    expect(t.deliveredUpTo(100)).toBe(0);
  });

  it('grows past its first block and counts across word boundaries', () => {
    const t = new DeliveryTracker();
    t.start(0);
    for (let seq = 1; seq <= 10_000; seq++) if (seq % 7 !== 0) t.record(seq);
    expect(t.deliveredUpTo(10_000)).toBe(10_000 - Math.floor(10_000 / 7));
    expect(t.deliveredUpTo(33)).toBe(33 - 4);
    t.start(5000);
    t.record(5001);
    expect(t.deliveredUpTo(10_000)).toBe(1);
  });
});

describe('spread', () => {
  it('keeps first and last receipt per seq across ticks and workers', () => {
    const a = new SpreadRing();
    const b = new SpreadRing();
    a.record(11, 500);
    a.record(11, 900);
    a.record(12, 300);
    const merger = new SpreadMerger();
    merger.add(a.drain());
    a.record(11, 1500); // a straggler after the tick
    b.record(11, 200);
    merger.add(a.drain());
    merger.add(b.drain());
    const seen: Array<[number, number]> = [];
    merger.forEach(10, 11, (min, max) => seen.push([min, max]));
    expect(seen).toEqual([[200, 1500]]);
    expect(a.drain()).toEqual([]);
  });
});
