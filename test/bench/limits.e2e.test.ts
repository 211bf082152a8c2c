import { spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { WorkerMessage } from '../../bench/workers/worker-protocol.js';
import { BENCH_CLI, ROOT, runProcess } from '../helpers/run-cli.js';

/**
 * Starts the CLI, waits for its header (which names the spawned server), lets `ready` decide
 * when to press Ctrl+C, and resolves with how long the CLI took to exit after SIGINT.
 */
function interrupt(
  args: string[],
  ready: (serverUrl: string) => Promise<void>,
): Promise<{ code: number | null; exitMs: number; serverUrl: string; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', BENCH_CLI, '--no-live', '--no-files', '--no-progress', ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let serverUrl: string | undefined;
    let sentAt = 0;
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the bench did not end\n${output}`));
    }, 60_000);
    const onData = (chunk: string): void => {
      output += chunk;
      const match = /wirelab bench · (http:\/\/127\.0\.0\.1:\d+) \(spawned\)/.exec(output);
      if (serverUrl !== undefined || match === null) return;
      serverUrl = match[1]!;
      ready(serverUrl).then(() => {
        sentAt = performance.now();
        child.kill('SIGINT');
      }, reject);
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(guard);
      if (serverUrl === undefined) reject(new Error(`the bench ended before its header\n${output}`));
      else resolve({ code, exitMs: performance.now() - sentAt, serverUrl, output });
    });
  });
}

/** True once nothing answers at `url` any more (the spawned server is gone), within a second. */
async function gone(url: string): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    try {
      await fetch(`${url}/stats`, { signal: AbortSignal.timeout(500) });
    } catch {
      return true;
    }
    await delay(50);
  }
  return false;
}

describe('file-descriptor limit', () => {
  it('refuses, with exit 2 and the ulimit to run, more clients than the open-files limit allows', async () => {
    const { code, stdout, stderr } = await runProcess('bash', [
      '-c',
      `ulimit -n 256; exec "${process.execPath}" --import tsx bench/cli/cli.ts -c 1000 -p ws --no-live --no-files`,
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /--clients 1,000 needs about [\d,]+ open files per process .* but the open-files limit is 256\. Run `ulimit -n (\d+)`/,
    );
    const needed = Number(/`ulimit -n (\d+)`/.exec(stderr)![1]);
    expect(needed).toBeGreaterThan(1000);
    expect(needed).toBeLessThan(1500);
  });

  it('runs what fits under the same limit', async () => {
    const { code, stderr } = await runProcess('bash', [
      '-c',
      `ulimit -n 256; exec "${process.execPath}" --import tsx bench/cli/cli.ts -c 20 -p ws -d 1 --warmup 0 --idle 0 --threshold none --no-live --no-files --json`,
    ]);
    expect(stderr).not.toContain('ulimit');
    expect(code).toBe(0);
  });

  it('counts a connect that runs out of descriptors as a failed client, under its code, at once', async () => {
    const { code, stdout, stderr } = await runProcess('bash', [
      '-c',
      `ulimit -n 512; exec "${process.execPath}" --import tsx test/bench/fixtures/emfile-connect.ts 60 20`,
    ]);
    expect(code, stderr).toBe(0);
    const { replies, tookMs, connectTimeoutMs } = JSON.parse(stdout) as {
      replies: Array<Extract<WorkerMessage, { type: 'connected' }>>;
      tookMs: number;
      connectTimeoutMs: number;
    };
    const reply = replies[0]!;
    expect(reply.failed).toBeGreaterThan(0);
    expect(reply.connected + reply.failed).toBe(60);
    expect(reply.failedBy).toEqual({ EMFILE: reply.failed });
    expect(reply.errors.some((message) => message.startsWith('EMFILE: too many open files in this process'))).toBe(true);
    // Failed at once, not retried with backoff until the connect timeout.
    expect(tookMs).toBeLessThan(connectTimeoutMs);
  });
});

describe('Ctrl+C', () => {
  it('stops the bench within 2 s while clients connect, exit 130, server gone', async () => {
    // 2 s of one-way delay through the fault proxy: no client can connect in under 4 s.
    const { code, exitMs, serverUrl, output } = await interrupt(
      ['-p', 'ws', '-c', '50', '--net-latency', '2s', '-d', '10', '--warmup', '0'],
      () => delay(300),
    );
    expect(output).not.toMatch(/✓ ws/);
    expect(code, output).toBe(130);
    expect(exitMs).toBeLessThan(2000);
    expect(output).toContain('wirelab-bench: interrupted; no result written');
    expect(await gone(serverUrl)).toBe(true);
  });

  it('stops the bench within 2 s in the window, exit 130, server gone', async () => {
    const { code, exitMs, serverUrl, output } = await interrupt(['-p', 'ws', '-c', '20', '-d', '60', '--warmup', '0'], async (url) => {
      // The feed runs once the clients are in; with no warm-up that is the window.
      for (let i = 0; i < 200; i++) {
        const stats = (await (await fetch(`${url}/stats`)).json()) as { feed: { mode: string } };
        if (stats.feed.mode === 'bench') break;
        await delay(50);
      }
      await delay(500);
    });
    expect(code, output).toBe(130);
    expect(exitMs).toBeLessThan(2000);
    expect(await gone(serverUrl)).toBe(true);
  });
});
