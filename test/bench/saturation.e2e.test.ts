import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { BenchResult } from '../../bench/report/types.js';
import { BENCH_CLI, runProcess } from '../helpers/run-cli.js';

/** Busy loops end by themselves after this, should the test die before killing them. */
const BUSY_LOOP_LIMIT_MS = 90_000;

/** Runs the CLI with `--json`, its command line prefixed by `wrap` (taskset, nice); resolves with the result and the text it printed. */
async function bench(wrap: string[], args: string[]): Promise<{ code: number | null; result: BenchResult; stderr: string }> {
  const command = [...wrap, process.execPath, '--import', 'tsx', BENCH_CLI, '--json', '--no-live', '--no-files', ...args];
  const { code, stdout, stderr } = await runProcess(command[0]!, command.slice(1), { timeoutMs: 90_000 });
  try {
    return { code, result: JSON.parse(stdout) as BenchResult, stderr };
  } catch {
    throw new Error(`bench exited ${code} without a result\n${stderr}`);
  }
}

describe('the saturation flag', () => {
  const loops: ChildProcess[] = [];
  afterEach(() => {
    for (const loop of loops.splice(0)) if (loop.pid !== undefined && loop.exitCode === null) process.kill(loop.pid, 'SIGKILL');
  });

  it('marks a generator starved of CPU, saying how long its worker waited for one', async () => {
    // The bench, its server and two busy loops share one core: the worker thread has work
    // (300 clients, 100 updates/s) but gets the core about a third of the time.
    for (let i = 0; i < 2; i++) {
      // taskset execs node, so the PID is the loop's own; the loop also ends by itself.
      const loop = spawn(
        'taskset',
        ['-c', '0', process.execPath, '-e', `const end = Date.now() + ${BUSY_LOOP_LIMIT_MS}; while (Date.now() < end);`],
        { stdio: 'ignore' },
      );
      loops.push(loop);
    }
    const { result, stderr } = await bench(
      ['taskset', '-c', '0'],
      ['-p', 'ws', '-c', '300', '-r', '100', '-d', '3', '--warmup', '1', '--idle', '0', '--workers', '1', '--threshold', 'none'],
    );
    const ws = result.protocols[0]!;
    expect(ws.generator.saturated).toBe(true);
    expect(ws.generator.runQueueWaitPercent).toBeGreaterThan(20);
    const reason = ws.generator.reasons.find((text) => text.startsWith('worker thread 1 waited for a CPU (run queue)'));
    expect(reason, ws.generator.reasons.join('\n')).toMatch(
      /^worker thread 1 waited for a CPU \(run queue\) \d+% of the window \(limit 20%\)$/,
    );
    expect(result.suspect).toBe(true);
    // The table's footnote says why the column is suspect.
    expect(stderr).toContain(`* ws: suspect, the load generator may have been the bottleneck: ${ws.generator.reasons.join('; ')}`);
    expect(stderr).toMatch(/^\s+ws\*$/m);
  }, 120_000);

  it('does not mark an idle generator', async () => {
    // The point is a generator that is idle and not starved. On a shared, busy machine even
    // an idle thread waits a few ms for a CPU at each wake-up (EEVDF lets the running task
    // finish its slice, whatever the woken one's nice value), which the rule rightly counts;
    // so where the test may (root), the bench runs under the real-time FIFO policy, which
    // takes the CPU at once on wake-up. It uses little: 10 clients, 5 updates/s, 3 s.
    const wrap = process.getuid?.() === 0 ? ['chrt', '--fifo', '1'] : [];
    const { result, stderr } = await bench(wrap, [
      '-p',
      'ws,sse',
      '-c',
      '10',
      '-r',
      '5',
      '-d',
      '3',
      '--warmup',
      '0',
      '--idle',
      '0',
      '--workers',
      '1',
      '--threshold',
      'none',
    ]);
    for (const p of result.protocols) {
      expect(p.generator.reasons, p.protocol).toEqual([]);
      expect(p.generator.saturated).toBe(false);
      expect(p.generator.runQueueWaitPercent).toBeLessThan(20);
    }
    expect(result.suspect).toBe(false);
    expect(stderr).not.toContain('suspect');
  }, 120_000);
});
