import { describe, expect, it } from 'vitest';
import { PhaseClock } from '../../../bench/measure/phase-clock.js';
import type { ProgressEvent } from '../../../bench/report/types.js';

describe('PhaseClock', () => {
  it('announces each phase with the time since the run started, and a duration only when given', () => {
    const events: ProgressEvent[] = [];
    const clock = new PhaseClock('sse', { runStartedAt: performance.now() - 1500, emit: (event) => events.push(event) }, undefined);
    expect(clock.phase).toBe('connecting');
    clock.set('measuring');
    clock.set('idle', 2000);
    expect(clock.phase).toBe('idle');
    expect(events.map((event) => (event.type === 'phase' ? [event.protocol, event.phase, event.durationMs] : event.type))).toEqual([
      ['sse', 'measuring', undefined],
      ['sse', 'idle', 2000],
    ]);
    const first = events[0]!;
    expect(first.type === 'phase' && first.t >= 1500 && first.t < 5000).toBe(true);
    expect('durationMs' in first).toBe(false);
  });

  it('ends a wait at once when the run is interrupted', async () => {
    const controller = new AbortController();
    const clock = new PhaseClock('ws', { runStartedAt: 0, emit: () => undefined }, controller.signal);
    const waiting = clock.wait(60_000);
    controller.abort(new Error('interrupted by the user'));
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError', cause: new Error('interrupted by the user') });
  });
});
