import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareResults, defaultGateMetrics, regressions } from '../../../bench/report/compare.js';
import { belowResolution, readMetric, repetitionsOf } from '../../../bench/report/noise.js';
import type { BenchResult } from '../../../bench/report/types.js';
import { runScript } from '../../helpers/run-cli.js';
import { repeatedRun, saveResult, SHORT } from './helpers.js';

const COMPARE = 'bench/cli/compare.ts';

/**
 * Real runs: WebSocket and long polling, each measured twice, two times over with the same
 * settings (A and B), and once more with 20 ms added each way by the harness's proxy (slow).
 */
describe('npm run compare on real runs', () => {
  let dir: string;
  let a: BenchResult;
  let b: BenchResult;
  let slow: BenchResult;
  let files: { a: string; b: string; slow: string; singleA: string; singleSlow: string };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wirelab-compare-'));
    const options = { ...SHORT, protocols: ['ws', 'long-poll'] as const };
    a = await repeatedRun({ ...options, protocols: [...options.protocols] }, 2);
    b = await repeatedRun({ ...options, protocols: [...options.protocols] }, 2);
    slow = await repeatedRun({ ...options, protocols: [...options.protocols], network: { latencyMs: 20 } }, 2);
    const single = (run: BenchResult): BenchResult => ({
      ...run,
      id: `${run.id}-single`,
      protocols: run.protocols.map((p) => ({ ...p.repetitions![0]! })),
    });
    files = {
      a: await saveResult(dir, a, 'a'),
      b: await saveResult(dir, b, 'b'),
      slow: await saveResult(dir, slow, 'slow'),
      singleA: await saveResult(dir, single(a), 'single-a'),
      singleSlow: await saveResult(dir, single(slow), 'single-slow'),
    };
  }, 120_000);

  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('two identical runs: every figure whose spreads overlap is within noise (or the same)', () => {
    const comparison = compareResults(a, b);
    expect(comparison.base.repetitions).toBe(2);
    expect(comparison.protocols).toEqual(['ws', 'long-poll']);
    let overlapping = 0;
    for (const row of comparison.rows) {
      const pa = a.protocols.find((p) => p.protocol === row.protocol)!;
      const pb = b.protocols.find((p) => p.protocol === row.protocol)!;
      // The spread read straight from the repetitions in the file.
      const range = (values: Array<number | null>) => {
        const known = values.filter((v): v is number => v !== null);
        return { min: Math.min(...known), max: Math.max(...known), n: known.length };
      };
      const ra = range(repetitionsOf(pa).map((r) => readMetric(row.metric, r)));
      const rb = range(repetitionsOf(pb).map((r) => readMetric(row.metric, r)));
      if (ra.n < 2 || rb.n < 2) continue;
      // Both under the measurement's resolution (RSS per connection): read as within noise, however the spreads lie.
      if (belowResolution(row.a) && belowResolution(row.b)) {
        expect(row.judgement.verdict).toMatch(/^(within-noise|same)$/);
        continue;
      }
      expect(row.judgement.spreadKnown).toBe(true);
      if (ra.min <= rb.max && rb.min <= ra.max) {
        overlapping += 1;
        expect(['within-noise', 'same'], `${row.protocol} ${row.metric.key}`).toContain(row.judgement.verdict);
      } else {
        expect(['better', 'worse', 'changed'], `${row.protocol} ${row.metric.key}`).toContain(row.judgement.verdict);
      }
    }
    expect(overlapping).toBeGreaterThan(20);
    expect(comparison.rows.find((r) => r.metric.key === 'delivery.missed' && r.protocol === 'ws')?.judgement.verdict).toBe('same');
  });

  it('a run with 20 ms more each way is worse, outside the noise, and --fail-on exits 1', async () => {
    const comparison = compareResults(a, slow);
    for (const protocol of ['ws', 'long-poll'] as const) {
      const p50 = comparison.rows.find((r) => r.metric.key === 'latency.p50' && r.protocol === protocol)!;
      expect(p50.judgement).toMatchObject({ verdict: 'worse', spreadKnown: true });
      expect(p50.b.spread!.min).toBeGreaterThan(p50.a.spread!.max);
    }
    expect(comparison.settingsDiffer).toContain('network none → +20ms one-way');

    const gated = await runScript(COMPARE, [files.a, files.slow, '--fail-on', '10', '--metric', 'latency.p50']);
    expect(gated.stderr).toBe('');
    expect(gated.code).toBe(1);
    expect(gated.stdout).toMatch(/latency p50 +ws +\S+ \[\S+–\S+\] +\S+ \[\S+–\S+\] +\+[\d,.]+% +worse\n/);
    expect(gated.stdout).toMatch(/FAIL 2 regressions beyond 10% outside the noise \(gating on latency\.p50\)/);
    expect(gated.stdout).toContain('✗ ws latency p50');
    expect(gated.stdout).toContain('settings differ: network none → +20ms one-way');

    // Better, the other way round: no regression on latency.
    const reverse = await runScript(COMPARE, [files.slow, files.a, '--fail-on', '10', '--metric', 'latency.p50']);
    expect(reverse.code).toBe(0);
    expect(reverse.stdout).toMatch(/latency p50 +ws +[^\n]+ better\n/);
    expect(reverse.stdout).toMatch(/PASS no regression beyond 10%/);
  }, 60_000);

  it('single repetitions: the spread is unknown, the regression still gates', async () => {
    const result = await runScript(COMPARE, [files.singleA, files.singleSlow, '--fail-on', '50', '--json']);
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout) as {
      rows: Array<{ metric: string; protocol: string; verdict: string; spreadKnown: boolean }>;
      gate: { passed: boolean };
    };
    expect(json.gate.passed).toBe(false);
    expect(json.rows.find((r) => r.metric === 'latency.p50' && r.protocol === 'ws')).toMatchObject({
      verdict: 'worse',
      spreadKnown: false,
    });
    const text = await runScript(COMPARE, [files.singleA, files.singleSlow]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/latency p50 +ws +[^\n]+ worse, spread unknown\n/);
    expect(text.stdout).toContain('one repetition in a run: its spread is unknown');
  }, 60_000);

  it("identical runs through the CLI: the exit code is the gate's verdict; a run against itself passes", async () => {
    const self = await runScript(COMPARE, [files.a, files.a, '--fail-on', '0', '--json']);
    expect(self.code).toBe(0);
    expect(new Set((JSON.parse(self.stdout) as { rows: Array<{ verdict: string }> }).rows.map((r) => r.verdict))).toEqual(
      new Set(['same']),
    );
    const twin = await runScript(COMPARE, [files.a, files.b, '--fail-on', '25', '--json']);
    const expected = regressions(compareResults(a, b), 25, defaultGateMetrics()).length > 0 ? 1 : 0;
    expect(twin.code).toBe(expected);
    const json = JSON.parse(twin.stdout) as { rows: Array<{ verdict: string }> };
    expect(json.rows.filter((r) => r.verdict === 'within-noise').length).toBeGreaterThan(0);
  }, 60_000);

  it.each([
    [['only-one.json'], /bad option: arguments need two result files, A\.json and B\.json, got 1 \(only-one\.json\)/],
    [['A', 'B', '--fail-on', 'ten'], /bad option: --fail-on must be a percentage like 10 or 2\.5%, got "ten"/],
    [['A', 'B', '--metric', 'latency.p42,bytes'], /bad option: --metric names no metric: "latency\.p42", "bytes"/],
    [['A', 'B', '--frobnicate'], /bad option: --frobnicate is not an option of wirelab-compare/],
    [['A', 'B', '--fail-on'], /bad option: --fail-on needs a value/],
  ])('exits 2 on bad usage %j', async (args, message) => {
    const { code, stdout, stderr } = await runScript(COMPARE, args);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^wirelab-compare: bad option: /);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });

  it('exits 2 naming a file that is missing, not JSON, or not a result', async () => {
    const notJson = path.join(dir, 'not-json.json');
    const other = path.join(dir, 'other.json');
    await writeFile(notJson, '{"schema": ');
    await writeFile(other, JSON.stringify({ schema: 'something/2' }));
    const missing = await runScript(COMPARE, [path.join(dir, 'nope.json'), files.a]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`wirelab-compare: bad option: ${path.join(dir, 'nope.json')} cannot be read: no such file`);
    const broken = await runScript(COMPARE, [files.a, notJson]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(`${notJson} is not JSON`);
    const foreign = await runScript(COMPARE, [other, files.a]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain(
      `${other} is not a wirelab result: expected "schema": "wirelab.result/1" (its schema is "something/2")`,
    );
  });
});
