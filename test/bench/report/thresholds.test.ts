import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../../bench/scenarios/registry.js';
import { OptionError } from '../../../wire/errors.js';
import { evaluateThresholds, parseThreshold } from '../../../bench/report/thresholds.js';
import { protocolResult } from '../fixture.js';

describe('parseThreshold', () => {
  it('reads protocol, metric, operator and a limit in the metric’s stored unit', () => {
    const t = parseThreshold('ws.latency.p99<50ms');
    expect(t).toMatchObject({ protocol: 'ws', operator: '<', limit: 50_000 });
    expect(t.metric.key).toBe('latency.p99');
    expect(parseThreshold('*.connect.p99 <= 0.5s').limit).toBe(500_000);
    expect(parseThreshold('sse.latency.p99<250us').limit).toBe(250);
    expect(parseThreshold('long-poll.latency.p99<100').limit).toBe(100_000); // bare time: ms
    expect(parseThreshold('*.server.memoryPerConnection<1mb').limit).toBe(1_000_000);
    expect(parseThreshold('*.server.memoryPerConnection<64kib').limit).toBe(65_536);
    expect(parseThreshold('*.delivery.missed=0')).toMatchObject({ operator: '=', limit: 0 });
    expect(parseThreshold('*.bandwidth.efficiency>50%').limit).toBe(50);
    expect(parseThreshold('ws.generator.eventLoopDelayP99<20ms').limit).toBe(20);
    expect(parseThreshold('ws.generator.cpuMicrosPerMessage<10us').limit).toBe(10);
    expect(parseThreshold('ws.latency.p99.9<80ms').metric.key).toBe('latency.p999');
  });

  it.each(['ws.latency.p99', 'ws latency<5', 'udp.latency.p99<5ms', 'ws.latncy.p99<5ms', 'ws.latency.p99<5kb', 'ws.delivery.missed<5ms'])(
    'refuses %s with --threshold named',
    (expression) => {
      expect(() => parseThreshold(expression)).toThrow(OptionError);
      expect(() => parseThreshold(expression)).toThrow(/--threshold/);
    },
  );

  it('accepts every default threshold', () => {
    for (const scenario of Object.values(SCENARIOS))
      for (const expression of scenario.thresholds(1000)) expect(() => parseThreshold(expression)).not.toThrow();
  });
});

describe('evaluateThresholds', () => {
  const ws = protocolResult('ws', {}, 1000); // p99 ≈ 2 ms
  const sse = protocolResult('sse', {}, 40_000); // p99 ≈ 80 ms

  it('judges each protocol a threshold names; * means every protocol', () => {
    const outcomes = evaluateThresholds(['*.latency.p99<50ms', 'ws.delivery.missed=0'], [ws, sse]);
    expect(outcomes).toHaveLength(3);
    expect(outcomes.find((o) => o.protocol === 'ws' && o.metric === 'latency.p99')?.passed).toBe(true);
    expect(outcomes.find((o) => o.protocol === 'sse')).toMatchObject({ passed: false, limit: 50_000 });
    expect(outcomes.find((o) => o.metric === 'delivery.missed')).toMatchObject({ passed: true, actual: 0 });
  });

  it('skips protocols that did not run and metrics a run did not produce', () => {
    expect(evaluateThresholds(['short-poll.latency.p99<1s', '*.ping.p99<10ms'], [ws])).toEqual([]);
  });

  it('supports every operator', () => {
    const check = (expression: string) => evaluateThresholds([expression], [ws])[0]?.passed;
    expect(check('ws.delivery.delivered>=1000')).toBe(true);
    expect(check('ws.delivery.delivered>1000')).toBe(false);
    expect(check('ws.delivery.delivered<=999')).toBe(false);
    expect(check('ws.delivery.delivered=1000')).toBe(true);
  });
});
