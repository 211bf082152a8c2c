import { describe, expect, it } from 'vitest';
import { nextCount, searchCapacity, type CapacityFailure, type CapacityStepOutcome } from '../../../bench/scenarios/capacity-search.js';

/** A step evaluator with a known boundary: passes up to `limit`, fails above it with `failedBy`. */
function boundary(limit: number, failedBy: CapacityFailure = 'latency') {
  const tried: number[] = [];
  const step = (clients: number): Promise<CapacityStepOutcome<null>> => {
    tried.push(clients);
    return Promise.resolve({ clients, failedBy: clients <= limit ? null : failedBy, figures: null });
  };
  return { tried, step };
}

describe('searchCapacity', () => {
  it('doubles, then bisects down to the resolution around the boundary', async () => {
    const { tried, step } = boundary(700);
    const result = await searchCapacity({ startClients: 100, maxClients: 10_000, resolution: 0.05, timeBudgetMs: 1e9 }, step);
    expect(tried.slice(0, 5)).toEqual([100, 200, 400, 800, 600]);
    expect(result.capacity).toBeLessThanOrEqual(700);
    expect(result.firstFailure?.clients).toBeGreaterThan(700);
    expect(result.firstFailure!.clients - result.capacity).toBeLessThanOrEqual(0.05 * result.firstFailure!.clients);
    expect(result.firstFailure?.failedBy).toBe('latency');
    expect(result.lowerBound).toBe(false);
    expect(result.stoppedBy).toBe('resolved');
  });

  it('an exact boundary at a doubling step is found with resolution 0', async () => {
    const { step } = boundary(400);
    const result = await searchCapacity({ startClients: 100, maxClients: 10_000, resolution: 0, timeBudgetMs: 1e9 }, step);
    expect(result.capacity).toBe(400);
    expect(result.firstFailure?.clients).toBe(401);
  });

  it('stops at the ceiling when every step passes', async () => {
    const { tried, step } = boundary(1e9);
    const result = await searchCapacity({ startClients: 100, maxClients: 500, resolution: 0.05, timeBudgetMs: 1e9 }, step);
    expect(tried).toEqual([100, 200, 400, 500]);
    expect(result.capacity).toBe(500);
    expect(result.firstFailure).toBeNull();
    expect(result.stoppedBy).toBe('max-clients');
  });

  it('reports a capacity of 0 when the first step fails', async () => {
    const { tried, step } = boundary(10, 'connect');
    const result = await searchCapacity({ startClients: 100, maxClients: 500, resolution: 0.05, timeBudgetMs: 1e9 }, step);
    expect(tried).toEqual([100]);
    expect(result.capacity).toBe(0);
    expect(result.firstFailure).toEqual({ clients: 100, failedBy: 'connect' });
    expect(result.stoppedBy).toBe('failed-at-start');
  });

  it('marks the capacity as a lower bound when the generator failed first', async () => {
    const { step } = boundary(300, 'generator');
    const result = await searchCapacity({ startClients: 100, maxClients: 10_000, resolution: 0.05, timeBudgetMs: 1e9 }, step);
    expect(result.firstFailure?.failedBy).toBe('generator');
    expect(result.lowerBound).toBe(true);
  });

  it('starts no step once the time budget is spent, nor one that would not fit', async () => {
    let clock = 0;
    const tried: number[] = [];
    const step = (clients: number): Promise<CapacityStepOutcome<null>> => {
      tried.push(clients);
      clock += 10; // every step takes 10 ms of the fake clock
      return Promise.resolve({ clients, failedBy: null, figures: null });
    };
    const result = await searchCapacity({ startClients: 1, maxClients: 1e6, resolution: 0.05, timeBudgetMs: 35, now: () => clock }, step);
    // 0→10→20→30: a fourth step would end at 40, past the 35 ms budget.
    expect(tried).toEqual([1, 2, 4]);
    expect(result.stoppedBy).toBe('time-budget');
    expect(result.capacity).toBe(4);
  });
});

describe('nextCount', () => {
  it('doubles without a failure, capped at the ceiling', () => {
    expect(nextCount(300, null, { maxClients: 500, resolution: 0.05 })).toBe(500);
    expect(nextCount(500, null, { maxClients: 500, resolution: 0.05 })).toBeNull();
  });
  it('bisects until within the resolution', () => {
    expect(nextCount(800, 1600, { maxClients: 1e4, resolution: 0.05 })).toBe(1200);
    expect(nextCount(1550, 1600, { maxClients: 1e4, resolution: 0.05 })).toBeNull();
  });
});
