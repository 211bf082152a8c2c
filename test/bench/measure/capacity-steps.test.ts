import { describe, expect, it } from 'vitest';
import { withCapacityCeiling } from '../../../bench/measure/capacity-ceiling.js';
import { curvePoint, judgeStep, runCapacitySearch } from '../../../bench/measure/capacity-steps.js';
import type { ProtocolRunContext } from '../../../bench/measure/protocol-run.js';
import { resolveBenchOptions } from '../../../bench/options.js';
import { formatCapacityCurves, formatCapacityVerdict } from '../../../bench/cli/capacity-print.js';
import { OptionError } from '../../../wire/errors.js';
import { benchResult, protocolResult } from '../fixture.js';

const SETTINGS = { sloP99Ms: 100, startClients: 10, maxClients: 1000, resolution: 0.05, timeBudgetMs: 1e9 };

describe('judgeStep', () => {
  const saturated = {
    cpuPercent: 99,
    cpuMicrosPerMessage: 6.5,
    rssBytes: 1,
    rssPerThousandClientsBytes: 1,
    eventLoopDelayP99Ms: 80,
    saturated: true,
    reasons: ['busy'],
  };
  it('passes a step within the SLO (latency summaries are µs, the SLO ms)', () => {
    expect(judgeStep(protocolResult('ws', {}, 1500), 100)).toBeNull();
    // p99 of this fixture is about 2.97 ms: over a 2 ms SLO.
    expect(judgeStep(protocolResult('ws', {}, 1500), 2)).toBe('latency');
  });
  it('names the generator first: its saturation makes the other failures suspect', () => {
    const result = protocolResult('ws', { generator: saturated, clients: { requested: 10, connected: 9, failed: 1 } }, 500_000);
    expect(judgeStep(result, 100)).toBe('generator');
  });
  it('then clients that did not connect, then missed updates', () => {
    expect(judgeStep(protocolResult('ws', { clients: { requested: 10, connected: 9, failed: 1 } }), 100)).toBe('connect');
    const lossy = protocolResult('ws', {
      delivery: { expected: 1000, delivered: 990, missed: 10, duplicated: 0, outOfOrder: 0, resets: 0 },
    });
    expect(judgeStep(lossy, 100)).toBe('loss');
  });
  it('computes the server CPU per client per update', () => {
    // 1.25 s of server CPU over 10 clients × 100 updates.
    expect(curvePoint(protocolResult('ws'), null).serverCpuMicrosPerClientUpdate).toBe(1250);
  });
});

describe('runCapacitySearch with an injected step', () => {
  it('reports a generator-limited capacity as a lower bound, in the result and in the text', async () => {
    const context = {
      options: resolveBenchOptions({ scenario: 'capacity', writeFiles: false }),
      firstClientIndex: 0,
      signal: undefined,
    } as unknown as ProtocolRunContext;
    const steps: number[] = [];
    const result = await runCapacitySearch(context, 'ws', SETTINGS, (stepContext) => {
      const clients = stepContext.options.clients;
      steps.push(clients);
      const generator = {
        cpuPercent: 99,
        cpuMicrosPerMessage: 6.5,
        rssBytes: 1,
        rssPerThousandClientsBytes: 1,
        eventLoopDelayP99Ms: 80,
        saturated: clients > 30,
        reasons: [],
      };
      return Promise.resolve(protocolResult('ws', { clients: { requested: clients, connected: clients, failed: 0 }, generator }));
    });
    expect(steps.slice(0, 3)).toEqual([10, 20, 40]);
    const search = result.capacitySearch!;
    expect(search.capacity).toBe(30);
    expect(search.firstFailure).toEqual({ clients: 31, failedBy: 'generator' });
    expect(search.lowerBound).toBe(true);
    // The protocol's figures are those of the capacity step.
    expect(result.clients.requested).toBe(30);
    expect(formatCapacityVerdict('ws', search)).toBe(
      'ws: 30 clients (31 failed: the load generator saturated; resolved) — a lower bound: the generator, not the server, was the limit',
    );
    const text = formatCapacityCurves(benchResult([result]));
    expect(text.split('\n').filter((line) => /^\s+\d+\s+(pass|fail)/.test(line))).toHaveLength(steps.length);
  });
});

describe('withCapacityCeiling', () => {
  const options = resolveBenchOptions({ scenario: 'capacity', protocols: ['ws'], workers: 1 });
  it('lowers the default ceiling to what the open-files limit allows', () => {
    const resolved = withCapacityCeiling(options, { soft: 1024, hard: 1024 }, 20);
    expect(resolved.maxClients).toBeGreaterThan(500);
    expect(resolved.maxClients).toBeLessThan(1024);
    expect(() => withCapacityCeiling({ ...options, maxClients: resolved.maxClients! }, { soft: 1024, hard: 1024 }, 20)).not.toThrow();
    expect(() => withCapacityCeiling({ ...options, maxClients: resolved.maxClients! + 1 }, { soft: 1024, hard: 1024 }, 20)).toThrow(
      OptionError,
    );
  });
  it('refuses a --max-clients over the limit, saying what to raise', () => {
    expect(() => withCapacityCeiling({ ...options, maxClients: 5000 }, { soft: 1024, hard: 1_000_000 }, 20)).toThrow(/ulimit -n/);
  });
});
