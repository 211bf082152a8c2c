import { describe, expect, it } from 'vitest';
import { SaturationJudge, type SaturationLimits } from '../../../bench/measure/saturation.js';
import { currentThreadId, parseSchedstat, readThreadTimes, waitShares } from '../../../bench/measure/schedstat.js';

const LIMITS: SaturationLimits = { runQueueWait: 0.2, utilisation: 0.9, loopDelayMs: 50, sustainedSeconds: 3, machineBusy: 0.95 };

describe('the saturation rule', () => {
  it('does not mark a window for one event-loop delay spike', () => {
    const judge = new SaturationJudge(LIMITS);
    for (let second = 0; second < 10; second++) judge.addLoopSecond(0, 0.2, second === 4 ? 120 : 8);
    expect(judge.verdict([0.03], 0.5)).toEqual({ reasons: [], runQueueWaitPercent: 3 });
  });

  it('marks sustained event-loop delay, with how long and how bad', () => {
    const judge = new SaturationJudge(LIMITS);
    for (let second = 0; second < 10; second++) judge.addLoopSecond(1, 0.5, [2, 3, 4, 7, 8].includes(second) ? 120 : 8);
    expect(judge.verdict([0.01, 0.02], null).reasons).toEqual([
      "worker thread 2's event-loop delay p99 was over 50.0ms in 5 of 10 s (worst 120ms)",
    ]);
  });

  it('judges a window shorter than the sustained seconds by all its seconds', () => {
    const spikeInOneOfTwo = new SaturationJudge(LIMITS);
    spikeInOneOfTwo.addLoopSecond(0, 0.5, 90);
    spikeInOneOfTwo.addLoopSecond(0, 0.5, 5);
    expect(spikeInOneOfTwo.verdict(null, null).reasons).toEqual([]);
    const everySecond = new SaturationJudge(LIMITS);
    everySecond.addLoopSecond(0, 0.95, 90);
    everySecond.addLoopSecond(0, 0.97, 95);
    expect(everySecond.verdict(null, null).reasons).toEqual([
      'worker thread 1 was busy over 90% of the second in 2 of 2 s (worst 97%)',
      "worker thread 1's event-loop delay p99 was over 50.0ms in 2 of 2 s (worst 95.0ms)",
    ]);
  });

  it('marks a worker thread starved of CPU over the window, with the figures', () => {
    const judge = new SaturationJudge(LIMITS);
    for (let second = 0; second < 5; second++) {
      judge.addLoopSecond(0, 0.3, 20);
      judge.addWaitSecond(0, 0.41);
    }
    expect(judge.verdict([0.41], 0.6)).toEqual({
      reasons: ['worker thread 1 waited for a CPU (run queue) 41% of the window (limit 20%)'],
      runQueueWaitPercent: 41,
    });
  });

  it('marks a starved stretch the window’s average hides', () => {
    const judge = new SaturationJudge(LIMITS);
    for (let second = 0; second < 30; second++) judge.addWaitSecond(0, second >= 10 && second < 14 ? 0.6 : 0.02);
    expect(judge.verdict([0.1], null).reasons).toEqual([
      'worker thread 1 waited for a CPU (run queue) over 20% of the second in 4 of 30 s (worst 60%)',
    ]);
  });

  it('falls back on the machine’s busy share only where run-queue waits cannot be read', () => {
    expect(new SaturationJudge(LIMITS).verdict(null, 0.97).reasons).toEqual([
      "the machine's CPUs were 97% busy over the window (limit 95%; server and generator share them)",
    ]);
    expect(new SaturationJudge(LIMITS).verdict([0.05], 0.97).reasons).toEqual([]);
  });
});

describe('schedstat', () => {
  it('reads run and wait nanoseconds, and refuses what is not a schedstat line', () => {
    expect(parseSchedstat('185464151 10904645 392\n')).toEqual({ runNs: 185464151, waitNs: 10904645 });
    expect(parseSchedstat('0 0 0\n')).toBeUndefined();
    expect(parseSchedstat('nonsense')).toBeUndefined();
  });

  it('turns two readings into each thread’s share of the time spent waiting', () => {
    const before = [
      { runNs: 0, waitNs: 1e9 },
      { runNs: 0, waitNs: 0 },
    ];
    const after = [
      { runNs: 5e8, waitNs: 1.41e9 },
      { runNs: 1e8, waitNs: 2e7 },
    ];
    expect(waitShares(before, after, 1000)).toEqual([0.41, 0.02]);
    expect(waitShares([undefined], [{ runNs: 1, waitNs: 1 }], 1000)).toBeNull();
  });

  it('reads this thread’s own figures (Linux)', () => {
    const tid = currentThreadId();
    expect(tid).toBeGreaterThan(0);
    const before = readThreadTimes(tid!)!;
    let spin = 0;
    for (const end = performance.now() + 30; performance.now() < end;) spin += 1;
    const after = readThreadTimes(tid!)!;
    expect(spin).toBeGreaterThan(0);
    expect(after.runNs).toBeGreaterThan(before.runNs);
    expect(after.waitNs).toBeGreaterThanOrEqual(before.waitNs);
  });
});
