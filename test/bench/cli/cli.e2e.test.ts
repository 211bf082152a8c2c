import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../../../bench/report/types.js';
import { runCli } from '../../helpers/run-cli.js';

describe('bench CLI', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    [['--clients', 'lots'], '--clients', 'lots'],
    [['--duration', '5x'], '--duration', '5x'],
    [['--protocols', 'ws,smoke-signals'], '--protocols', 'smoke-signals'],
    [['--threshold', 'ws.latency.p99 < fast'], '--threshold', 'fast'],
    [['--frobnicate'], '--frobnicate', '--frobnicate'],
    [['--net-latency', '50'], '--net-latency', '50'],
    [['--scenario', 'reconnect', '--drop-at', '30s'], '--drop-at', '30000'],
  ])('exits 2 on bad usage %j, naming the flag and the value', async (args, flag, value) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr).toContain(flag);
    expect(stderr).toContain(value);
    expect(stdout).toBe('');
  });

  it('exits 1 with the reason when the target cannot be reached', async () => {
    const { code, stderr } = await runCli(['--target', 'http://127.0.0.1:9', '--control-token', 't', '--no-live']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9\/stats/);
  });

  it('runs, prints the table on stderr and the JSON on stdout with --json, and exits 99 on a failed threshold', async () => {
    const out = await mkdtemp(join(tmpdir(), 'wirelab-cli-'));
    dirs.push(out);
    const { code, stdout, stderr } = await runCli([
      '-p',
      'ws',
      '-c',
      '5',
      '-d',
      '1',
      '--warmup',
      '0',
      '--idle',
      '0',
      '--json',
      '--out',
      out,
      '--threshold',
      'ws.latency.p99<1us',
      '--threshold',
      '*.delivery.missed=0',
    ]);
    expect(stderr).toMatch(/wirelab bench · http:\/\/127\.0\.0\.1:\d+ \(spawned\) · 5 clients × ws/);
    expect(stderr).toMatch(/latency p99/);
    expect(stderr).toMatch(/✗ threshold ws\.latency\.p99<1us failed for ws/);
    expect(stderr).toMatch(/^FAIL · 1 protocol in /m);
    expect(stderr).not.toContain('\u001b['); // NO_COLOR
    const result = JSON.parse(stdout) as BenchResult;
    expect(result.schema).toBe('wirelab.result/1');
    expect(result.protocols[0]?.delivery.missed).toBe(0);
    expect(result.thresholds.map((t) => t.passed)).toEqual([false, true]);
    expect(code).toBe(99);
    expect((await readdir(out)).sort()).toEqual([`${result.id}.csv`, `${result.id}.json`, `${result.id}.timeseries.csv`]);
  });
});
