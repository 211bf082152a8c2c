import { describe, expect, it } from 'vitest';
import type { ControlClient, ServerStatsSnapshot } from '../../../bench/target/control-client.js';
import { planDrops } from '../../../bench/measure/drops.js';
import { resolveBenchOptions } from '../../../bench/options.js';
import { StormRecorder } from '../../../bench/measure/storm.js';

/** A control client whose /stats answers follow a script: the ws `accepted` counter and the server pid. */
function scriptedControl(script: Array<{ accepted: number; pid: number }>): { control: ControlClient; done: Promise<void> } {
  let index = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const control = {
    stats: async (): Promise<ServerStatsSnapshot> => {
      const step = script[Math.min(index, script.length - 1)]!;
      index += 1;
      if (index === script.length) finish();
      if (index > script.length) throw new Error('the server is down');
      return { transports: { ws: { accepted: step.accepted } }, process: { pid: step.pid } } as unknown as ServerStatsSnapshot;
    },
  } as unknown as ControlClient;
  return { control, done };
}

describe('StormRecorder', () => {
  it('turns /stats readings into accepts per second, counts a restarted server from zero, and takes the client peak from its bins', async () => {
    // Readings 200 ms apart (µs clock below): 0, 0, 1000 accepted (the storm), 1000, then a
    // restart (new pid) that accepted 300 by its first reading.
    const { control, done } = scriptedControl([
      { accepted: 0, pid: 1 },
      { accepted: 0, pid: 1 },
      { accepted: 1000, pid: 1 },
      { accepted: 1000, pid: 1 },
      { accepted: 300, pid: 2 },
    ]);
    let clock = 1_000_000;
    const recorder = new StormRecorder('ws', control, 1, 100, () => (clock += 200_000));
    recorder.start();
    await done;
    await recorder.stop();
    // Client attempts: 600 in the bin starting at 1.4 s, 400 in the next.
    recorder.addAttempts([14, 600, 15, 400]);
    const figures = recorder.figures(0, 10_000_000, 1_700_000, (micros) => micros / 1000);
    expect(figures.attemptsPerSecondPeak).toBe(5000);
    expect(figures.clientAttemptsPerSecondPeak).toBe(6000);
    expect(figures.points.map((p) => p.acceptedPerSecond)).toEqual([0, 5000, 0, 1500]);
    expect(figures.points.map((p) => p.t)).toEqual([1400, 1600, 1800, 2000]);
    // Both bins (1.4 s and 1.5 s) fall in the reading interval ending at 1.6 s: 1000 in 200 ms.
    expect(figures.points.map((p) => p.attemptsPerSecond)).toEqual([0, 5000, 0, 0]);
    // The baseline is the second before the first drop (1.7 s): readings at 1.4 and 1.6 s.
    expect(figures.acceptedPerSecondBaseline).toBe(2500);
  });
});

describe('planDrops', () => {
  it('merges the scenario’s drops and the proxy resets, timed from the window start', () => {
    const options = resolveBenchOptions({ scenario: 'reconnect', durationMs: 10_000, dropAtMs: [2500], network: { resetEveryMs: 4000 } });
    expect(planDrops(options)).toEqual([
      { atMs: 2500, kind: 'drop' },
      { atMs: 4000, kind: 'net-reset' },
      { atMs: 8000, kind: 'net-reset' },
    ]);
    expect(planDrops(resolveBenchOptions({ scenario: 'reconnect', restart: true, durationMs: 4000 }))).toEqual([
      { atMs: 1000, kind: 'restart' },
      { atMs: 2400, kind: 'restart' },
    ]);
    expect(planDrops(resolveBenchOptions())).toEqual([]);
  });
});
