import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveBenchOptions, recordedOptions } from '../../../bench/options.js';
import { createHistogram } from '../../../bench/report/histogram.js';
import { parseThreshold } from '../../../bench/report/thresholds.js';
import { SCENARIO_NAMES, SCENARIOS, scenarioNamed } from '../../../bench/scenarios/registry.js';

describe('the scenario registry', () => {
  it('registers each scenario under its own name, each with its page in docs/scenarios/', () => {
    expect(SCENARIO_NAMES).toEqual(['broadcast', 'ping', 'reconnect', 'failover', 'capacity', 'hold', 'chat']);
    for (const name of SCENARIO_NAMES) {
      expect(SCENARIOS[name].name).toBe(name);
      expect(scenarioNamed(name)).toBe(SCENARIOS[name]);
      expect(existsSync(new URL(`../../../docs/scenarios/${name}.md`, import.meta.url)), name).toBe(true);
    }
    expect(scenarioNamed('soak')).toBeUndefined();
    expect(scenarioNamed('toString')).toBeUndefined();
  });

  it('gives every scenario thresholds the parser accepts', () => {
    for (const name of SCENARIO_NAMES)
      for (const expression of SCENARIOS[name].thresholds(1000))
        expect(() => parseThreshold(expression), `${name}: ${expression}`).not.toThrow();
  });

  it('lets each scenario say what it adds: drops, PINGs, header text, its result section', () => {
    const reconnect = resolveBenchOptions({ scenario: 'reconnect', restart: true });
    expect(SCENARIOS.reconnect.dropPlan(reconnect)).toEqual([
      { atMs: 5000, kind: 'restart' },
      { atMs: 12_000, kind: 'restart' },
    ]);
    expect(SCENARIOS.reconnect.header(recordedOptions(reconnect))).toEqual(['restart at 5s, 12s · backoff 1s…16s, jitter 0.5']);
    expect(SCENARIOS.broadcast.dropPlan(resolveBenchOptions())).toEqual([]);
    expect(SCENARIOS.ping.header(recordedOptions(resolveBenchOptions({ scenario: 'ping', pingIntervalMs: 250 })))).toEqual([
      'PING every 250ms',
    ]);
    expect(SCENARIO_NAMES.filter((name) => SCENARIOS[name].clientsPing)).toEqual(['ping']);
    const pingRaw = createHistogram();
    const pingCorrected = createHistogram();
    pingRaw.recordValue(800);
    pingCorrected.recordValue(800);
    pingCorrected.recordValue(1600);
    const pingCounts = { scheduled: 3, answered: 2, refused: 0, unanswered: 1, cut: 0 };
    const section = SCENARIOS.ping.resultSection({ pingRaw, pingCorrected, pingCounts });
    expect(section.ping?.raw.count).toBe(1);
    expect(section.ping?.corrected.count).toBe(2);
    expect(section.ping).toMatchObject(pingCounts);
    expect(section.histograms.ping).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(SCENARIOS.broadcast.resultSection({ pingRaw, pingCorrected, pingCounts })).toEqual({ ping: null, histograms: {} });
  });
});
