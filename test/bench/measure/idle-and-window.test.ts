import { describe, expect, it } from 'vitest';
import { idlePhaseMs } from '../../../bench/measure/idle-phase.js';
import { closingFenceAt, windowUpdates } from '../../../bench/measure/window-length.js';

describe('the idle phase', () => {
  it('lasts at least one long-poll hold for long polling, so its idle cost includes a hold ending', () => {
    expect(idlePhaseMs('long-poll', 2000, 25_000)).toBe(25_000);
    expect(idlePhaseMs('long-poll', 30_000, 25_000)).toBe(30_000);
  });

  it('keeps the asked length for the others, and 0 skips it for everyone', () => {
    expect(idlePhaseMs('ws', 2000, 25_000)).toBe(2000);
    expect(idlePhaseMs('sse', 2000, 25_000)).toBe(2000);
    expect(idlePhaseMs('short-poll', 2000, 25_000)).toBe(2000);
    expect(idlePhaseMs('long-poll', 0, 25_000)).toBe(0);
  });
});

describe('the window counted in updates', () => {
  it('holds rate × duration updates', () => {
    expect(windowUpdates(10, 10_000)).toBe(100);
    expect(windowUpdates(10, 2000)).toBe(20);
    expect(windowUpdates(3, 1500)).toBe(5);
  });

  it("closes half an update interval after the last update is due, less the control call's way there", () => {
    // 10/s from t=1000: update 100 is due at 1000 + 10,000; the fence goes at +10,050 − 1.
    expect(closingFenceAt(1000, 1, 10, 10_000)).toBe(1000 + 10_050 - 1);
    expect(closingFenceAt(1000, 1, 0, 10_000)).toBe(11_000);
  });
});
