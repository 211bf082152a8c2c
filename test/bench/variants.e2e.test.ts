import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../../bench/report/csv.js';
import type { ResultFiles } from '../../bench/result-files.js';
import { runBench } from '../../bench/run.js';
import { evaluateThresholds } from '../../bench/report/thresholds.js';
import type { BenchResult, ProtocolResult } from '../../bench/report/types.js';
import { runCli } from '../helpers/run-cli.js';

const COLUMNS = ['ws', 'ws+deflate', 'sse+gzip', 'sse/h2'];

/** One real run with variant columns: each on a spawned server started with the options it needs. */
describe('variant columns end to end', () => {
  let outDir: string;
  let result: BenchResult;
  let files: ResultFiles | undefined;
  const column = (name: string): ProtocolResult => {
    const found = result.protocols.find((p) => (p.variant ?? p.protocol) === name);
    if (found === undefined) throw new Error(`no column ${name}: ${JSON.stringify(result.failures)}`);
    return found;
  };

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'wirelab-variants-'));
    result = await runBench(
      { clients: 20, protocols: COLUMNS, durationMs: 3000, warmupMs: 500, idleMs: 0, rate: 10, workers: 1, outDir },
      { onFiles: (written) => (files = written) },
    );
  }, 120_000);

  afterAll(async () => {
    if (outDir !== undefined) await rm(outDir, { recursive: true, force: true });
  });

  it('measures each variant as its own column and delivers everything', () => {
    expect(result.failures).toEqual([]);
    expect(result.protocols.map((p) => p.variant ?? p.protocol)).toEqual(COLUMNS);
    expect(result.protocols.map((p) => p.protocol)).toEqual(['ws', 'ws', 'sse', 'sse']);
    for (const p of result.protocols) {
      const name = p.variant ?? p.protocol;
      expect(p.clients.connected, name).toBe(20);
      expect(p.delivery.expected, name).toBe(p.window.eventsPublished * 20);
      expect(p.delivery, name).toMatchObject({ delivered: p.delivery.expected, missed: 0, duplicated: 0, outOfOrder: 0 });
      expect(p.errors, name).toEqual([]);
    }
  });

  it('compresses on the wire where the variant asks, and only there', () => {
    expect(column('ws+deflate').bandwidth.bytesPerEvent).toBeLessThan(column('ws').bandwidth.bytesPerEvent);
    expect(column('sse+gzip').bandwidth.bytesPerEvent).toBeLessThan(column('sse/h2').bandwidth.bytesPerEvent);
    for (const name of ['ws+deflate', 'sse+gzip']) {
      expect(column(name).bandwidth.compressionRatio, name).toBeGreaterThan(1);
      // The decompressed stream holds at least the 256-byte payload of each update.
      expect(column(name).bandwidth.uncompressedBytesPerEvent, name).toBeGreaterThanOrEqual(256);
    }
    for (const name of ['ws', 'sse/h2']) {
      expect(column(name).bandwidth.compressionRatio, name).toBeUndefined();
      expect(column(name).bandwidth.uncompressedBytesPerEvent, name).toBeUndefined();
    }
  });

  it("judges a protocol's threshold on each of its columns, naming the variant", () => {
    const outcomes = evaluateThresholds(['ws.latency.p99 < 60s'], result.protocols);
    expect(outcomes.map((o) => [o.protocol, o.variant])).toEqual([
      ['ws', undefined],
      ['ws', 'ws+deflate'],
    ]);
  });

  it('writes the variant columns into the result file and the CSV', async () => {
    expect(files).toBeDefined();
    const json = JSON.parse(await readFile(files!.json, 'utf8')) as BenchResult;
    expect(json.options.variants).toEqual(COLUMNS);
    expect(json.protocols.map((p) => p.variant ?? p.protocol)).toEqual(COLUMNS);
    const csv = (await readFile(files!.csv, 'utf8')).trimEnd().split('\n');
    const at = CSV_COLUMNS.indexOf('protocol');
    const ratioAt = CSV_COLUMNS.indexOf('bandwidth.compressionRatio');
    expect(ratioAt).toBeGreaterThan(at);
    const rows = csv.slice(1).map((line) => line.split(','));
    expect(rows.map((cells) => cells[at])).toEqual(COLUMNS);
    expect(Number(rows[1]![ratioAt])).toBeGreaterThan(1);
    expect(rows[0]![ratioAt]).toBe('');
  });
});

describe('variant columns on the command line', () => {
  it('exits 2 on a bad variant, naming it', async () => {
    const { code, stdout, stderr } = await runCli(['--protocols', 'ws,ws+gzip'], { timeoutMs: 30_000 });
    expect(code).toBe(2);
    expect(stderr).toContain('--protocols');
    expect(stderr).toContain('ws+gzip');
    expect(stdout).toBe('');
  }, 40_000);
});
