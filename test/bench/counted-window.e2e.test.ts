import { describe, expect, it } from 'vitest';
import { runBench } from '../../bench/run.js';
import type { ProgressEvent } from '../../bench/report/types.js';

/** Blocks this thread's event loop, as a starved coordinator on a busy machine is blocked. */
function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

describe('a window counted by the server', () => {
  it('holds exactly rate × duration updates even when the coordinator wakes far too late to close it', async () => {
    // At 20/s the window's 20th update is due at 1 s; the coordinator is blocked from 0.9 s to 1.5 s
    // of each window, so a fence timed by the harness would let about 10 more updates in.
    const onProgress = (event: ProgressEvent): void => {
      if (event.type === 'phase' && event.phase === 'measuring') setTimeout(() => busyFor(600), 900);
    };
    const result = await runBench(
      {
        clients: 5,
        protocols: ['ws', 'sse'],
        durationMs: 1000,
        warmupMs: 200,
        idleMs: 0,
        rate: 20,
        capacityDurationMs: 0,
        workers: 1,
        thresholds: [],
        writeFiles: false,
      },
      { onProgress },
    );
    expect(result.failures).toEqual([]);
    for (const p of result.protocols) {
      expect([p.protocol, p.window.eventsPublished, p.delivery.expected, p.delivery.delivered]).toEqual([p.protocol, 20, 100, 100]);
    }
  }, 60_000);
});
