import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS, TIMESERIES_CSV_COLUMNS } from '../../bench/report/csv.js';
import type { ResultFiles } from '../../bench/result-files.js';
import { runBench } from '../../bench/run.js';
import type { BenchResult, ProgressEvent, ProtocolResult } from '../../bench/report/types.js';
import type { ProtocolName } from '../../wire/protocols.js';
import { resultOf } from './fixture.js';

/**
 * One real run: a spawned server, 20 clients per protocol, a 3 s window. Everything else in
 * this folder tests pieces; this checks that the pieces measure what they claim.
 */
describe('runBench end to end', () => {
  let outDir: string;
  let result: BenchResult;
  let files: ResultFiles | undefined;
  const events: ProgressEvent[] = [];
  const of = (protocol: ProtocolName): ProtocolResult => resultOf(result, protocol);

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'wirelab-bench-'));
    result = await runBench(
      // Polls outnumber updates (10 polls/s, 5 updates/s): the regime where short polling
      // pays a request per poll rather than batching several updates into one answer.
      {
        clients: 20,
        durationMs: 3000,
        warmupMs: 500,
        idleMs: 1000,
        longPollTimeoutMs: 1000,
        rate: 5,
        pollIntervalMs: 100,
        capacityDurationMs: 500,
        capacityConnections: 10,
        workers: 1,
        outDir,
      },
      { onProgress: (event) => events.push(event), onFiles: (written) => (files = written) },
    );
  }, 120_000);

  afterAll(async () => {
    if (outDir !== undefined) await rm(outDir, { recursive: true, force: true });
  });

  it('measures every protocol with no failure', () => {
    expect(result.failures).toEqual([]);
    expect(result.protocols.map((p) => p.protocol)).toEqual(['ws', 'sse', 'long-poll', 'short-poll']);
    for (const p of result.protocols) {
      expect(p.clients, p.protocol).toEqual({ requested: 20, connected: 20, failed: 0, failedBy: {} });
      expect(p.window.eventsPublished, p.protocol).toBeGreaterThanOrEqual(10);
    }
  });

  it.each(['ws', 'sse', 'long-poll', 'short-poll'] as const)(
    'delivers exactly over %s: nothing missed, duplicated or out of order',
    (protocol) => {
      const p = of(protocol);
      expect(p.delivery.expected).toBe(p.window.eventsPublished * 20);
      expect(p.delivery).toMatchObject({ delivered: p.delivery.expected, missed: 0, duplicated: 0, outOfOrder: 0, resets: 0 });
      expect(p.latency.count).toBe(p.delivery.delivered);
      expect(p.errors).toEqual([]);
    },
  );

  it('shows the protocols’ known differences', () => {
    expect(of('short-poll').bandwidth.requestsPerEvent).toBeGreaterThan(of('long-poll').bandwidth.requestsPerEvent);
    expect(of('short-poll').bandwidth.emptyPolls).toBeGreaterThan(0);
    const ws = of('ws').bandwidth.bytesPerEvent;
    for (const other of ['sse', 'long-poll', 'short-poll'] as const) expect(ws).toBeLessThan(of(other).bandwidth.bytesPerEvent);
    expect(of('ws').bandwidth.requests).toBe(0); // the upgrades happened before the window
    expect(of('short-poll').latency.p50).toBeGreaterThan(of('ws').latency.p50);
    expect(of('short-poll').bandwidth.idleBytesPerClientPerSecond).toBeGreaterThan(0);
    expect(of('ws').bandwidth.idleBytesPerClientPerSecond).toBe(0);
    expect(of('long-poll').capacity?.requestsPerSecond).toBeGreaterThan(0);
    expect(of('ws').capacity).toBeNull();
  });

  it('counts the same bytes at the client sockets as the server does at its own (push transports)', () => {
    for (const protocol of ['ws', 'sse'] as const) {
      const p = of(protocol);
      expect(p.server?.bytesSent, protocol).toBe(p.bandwidth.bytesDown);
      expect(p.server?.bytesReceived, protocol).toBe(p.bandwidth.bytesUp);
    }
  });

  it('emits progress in order: start, phases and ticks, protocol-done, done', () => {
    expect(events[0]?.type).toBe('start');
    expect(events.at(-1)?.type).toBe('done');
    expect(events.filter((e) => e.type === 'protocol-done')).toHaveLength(4);
    const ticks = events.filter((e) => e.type === 'tick');
    expect(ticks.length).toBeGreaterThanOrEqual(12);
    expect(ticks.some((e) => e.type === 'tick' && e.point.phase === 'measuring' && e.point.messagesPerSecond > 0)).toBe(true);
    expect(result.timeseries.length).toBe(ticks.length);
    const phases = events.flatMap((e) => (e.type === 'phase' && e.protocol === 'ws' ? [e.phase] : []));
    expect(phases).toEqual(['connecting', 'warmup', 'measuring', 'draining', 'idle', 'closing', 'done']);
  });

  it('writes the result JSON and both CSVs, and they parse', async () => {
    expect(files).toBeDefined();
    const json = JSON.parse(await readFile(files!.json, 'utf8')) as BenchResult;
    expect(json.schema).toBe('wirelab.result/1');
    expect(json.id).toBe(result.id);
    expect(json.protocols).toHaveLength(4);
    expect(json.environment.cores).toBeGreaterThan(0);
    expect(json.protocols[0]?.histograms.latency.length).toBeGreaterThan(10);
    expect(JSON.stringify(json)).not.toMatch(/controlToken/);

    const csv = (await readFile(files!.csv, 'utf8')).trimEnd().split('\n');
    expect(csv[0]).toBe(CSV_COLUMNS.join(','));
    expect(csv).toHaveLength(5);
    for (const line of csv.slice(1)) expect(line.split(',')).toHaveLength(CSV_COLUMNS.length);

    const series = (await readFile(files!.timeseriesCsv, 'utf8')).trimEnd().split('\n');
    expect(series[0]).toBe(TIMESERIES_CSV_COLUMNS.join(','));
    for (const line of series.slice(1)) {
      const [timestamp, protocol, metric, value] = line.split(',');
      expect(Number.isNaN(Date.parse(timestamp!))).toBe(false);
      expect(['ws', 'sse', 'long-poll', 'short-poll']).toContain(protocol);
      expect(metric).toMatch(/^[a-z_.0-9]+$/);
      expect(Number.isFinite(Number(value))).toBe(true);
    }
  });

  it('judges the default thresholds', () => {
    expect(result.thresholds.length).toBeGreaterThan(0);
    expect(result.thresholds.every((t) => typeof t.passed === 'boolean')).toBe(true);
  });
});
