import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultFiles } from '../../bench/result-files.js';
import { runBench } from '../../bench/run.js';
import type { BenchResult, ProgressEvent } from '../../bench/report/types.js';

const small = {
  clients: 10,
  durationMs: 1000,
  warmupMs: 200,
  idleMs: 0,
  rate: 10,
  capacityDurationMs: 0,
  workers: 1,
  thresholds: [],
} as const;

/** Real runs on a spawned server: `--repeat` interleaves, combines and tags; Ctrl+C keeps what finished. */
describe('runBench --repeat', () => {
  let outDir: string;
  let result: BenchResult;
  const done: string[] = [];

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'wirelab-repeat-'));
    result = await runBench(
      { ...small, repeat: 2, writeFiles: false },
      { onProgress: (event) => event.type === 'protocol-done' && done.push(event.result.protocol) },
    );
  }, 120_000);

  afterAll(async () => {
    if (outDir !== undefined) await rm(outDir, { recursive: true, force: true });
  });

  it('measures the protocols interleaved, round after round', () => {
    expect(result.failures).toEqual([]);
    expect(done).toEqual(['ws', 'sse', 'long-poll', 'short-poll', 'ws', 'sse', 'long-poll', 'short-poll']);
  });

  it('keeps every repetition and reports the median of each figure', () => {
    expect(result.options.repeat).toBe(2);
    expect(result.protocols.map((p) => p.protocol)).toEqual(['ws', 'sse', 'long-poll', 'short-poll']);
    for (const p of result.protocols) {
      expect(p.repetitions, p.protocol).toHaveLength(2);
      const [a, b] = p.repetitions!;
      expect(p.latency.p99).toBe(Math.round((a!.latency.p99 + b!.latency.p99) / 2));
    }
  });

  it('expects the same number of updates from every protocol: the window is counted in updates', () => {
    // rate 10/s × 1 s window = 10 updates × 10 clients, in every repetition of every protocol.
    const expected = result.protocols.flatMap((p) => p.repetitions!.map((r) => r.delivery.expected));
    expect(new Set(expected)).toEqual(new Set([100]));
    expect(new Set(result.protocols.flatMap((p) => p.repetitions!.map((r) => r.window.eventsPublished)))).toEqual(new Set([10]));
  });

  it('tags each time-series second with its repetition', () => {
    const tags = new Set(result.timeseries.map((point) => `${point.protocol}#${point.repetition}`));
    for (const protocol of ['ws', 'sse', 'long-poll', 'short-poll']) {
      expect(tags.has(`${protocol}#0`), protocol).toBe(true);
      expect(tags.has(`${protocol}#1`), protocol).toBe(true);
    }
    expect(result.timeseries.every((point) => point.repetition === 0 || point.repetition === 1)).toBe(true);
  });

  it('interrupted after a protocol finished: resolves with what was measured, marked partial, files written', async () => {
    const abort = new AbortController();
    let files: ResultFiles | undefined;
    const onProgress = (event: ProgressEvent): void => {
      if (event.type === 'protocol-done' && event.result.protocol === 'ws') abort.abort(new Error('interrupted'));
    };
    const partial = await runBench(
      { ...small, protocols: ['ws', 'sse'], outDir },
      { onProgress, signal: abort.signal, onFiles: (written) => (files = written) },
    );
    expect(partial.partial).toBe(true);
    expect(partial.passed).toBe(false);
    expect(partial.protocols.map((p) => p.protocol)).toEqual(['ws']);
    expect(files).toBeDefined();
    const written = JSON.parse(await readFile(files!.json, 'utf8')) as BenchResult;
    expect(written.partial).toBe(true);
    expect(written.protocols.map((p) => p.protocol)).toEqual(['ws']);
  }, 60_000);

  it('interrupted before any protocol finished: rejects, nothing written', async () => {
    const abort = new AbortController();
    let files: ResultFiles | undefined;
    const onProgress = (event: ProgressEvent): void => {
      if (event.type === 'phase' && event.phase === 'warmup') abort.abort(new Error('interrupted'));
    };
    await expect(
      runBench({ ...small, protocols: ['ws'], outDir }, { onProgress, signal: abort.signal, onFiles: (written) => (files = written) }),
    ).rejects.toThrow('interrupted');
    expect(files).toBeUndefined();
  }, 60_000);

  it("measures long polling's idle cost over a whole hold: the phase lasts the hold, and the hold's end is paid", async () => {
    const phases: ProgressEvent[] = [];
    const run = await runBench(
      { ...small, protocols: ['long-poll'], idleMs: 100, longPollTimeoutMs: 1000, writeFiles: false },
      { onProgress: (event) => event.type === 'phase' && event.phase === 'idle' && phases.push(event) },
    );
    expect(phases).toMatchObject([{ phase: 'idle', durationMs: 1000 }]);
    // Over 100 ms no hold would end (0 B); over the hold each client gets an empty answer and polls again.
    expect(run.protocols[0]!.bandwidth.idleBytesPerClientPerSecond).toBeGreaterThan(0);
  }, 60_000);
});
