import { readFile, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBench } from '../../bench/run.js';
import type { BenchOptions } from '../../bench/options.js';
import { formatHeader, formatTable } from '../../bench/cli/print.js';
import { startNchan, type RunningNchan } from '../helpers/nchan-server.js';
import { expectExactDelivery, foreignRunOptions } from './foreign-bench.js';

/** runBench against a real nginx + nchan: the harness publishes, four protocols, exact integrity. */

const CLIENTS = 100;
const SECRET = 'Bearer s3cr3t-header-value';

let nchan: RunningNchan;
let outDir: string;

beforeAll(async () => {
  [nchan, outDir] = await Promise.all([startNchan({ masterProcess: true, workers: 1 }), mkdtemp(join(tmpdir(), 'wirelab-foreign-'))]);
});

afterAll(async () => {
  await Promise.all([nchan?.stop(), outDir === undefined ? undefined : rm(outDir, { recursive: true, force: true })]);
});

function options(extra: Partial<BenchOptions>): BenchOptions {
  return foreignRunOptions(CLIENTS, { durationMs: 2000, outDir, ...extra });
}

describe('runBench against nginx + nchan', () => {
  it(`four protocols, ${CLIENTS} clients each: delivered = expected, nothing missed or duplicated, latency and bytes per event, server figures from /proc, no secret in the files`, async () => {
    const pids = await nchan.pids();
    const events: string[] = [];
    let files: { json: string; csv: string } | undefined;
    const result = await runBench(
      options({
        target: nchan.url,
        foreign: { preset: 'nchan', channel: 'bench_e2e', headers: { Authorization: SECRET } },
        targetPids: pids,
      }),
      { onProgress: (event) => events.push(event.type), onFiles: (written) => (files = written) },
    );
    expect(result.failures).toEqual([]);
    expect(result.protocols.map((p) => p.protocol)).toEqual(['ws', 'sse', 'long-poll', 'short-poll']);
    for (const p of result.protocols) {
      expect(p.foreign?.publish?.failed, p.protocol).toBe(0);
      const published = expectExactDelivery(p, CLIENTS);
      expect(published, p.protocol).toBeGreaterThan(20);
      expect(p.latency.p99, p.protocol).toBeGreaterThan(0);
      expect(p.bandwidth.bytesPerEvent, p.protocol).toBeGreaterThan(128);
      // Corrected for coordinated omission: a late acknowledgement adds the samples its schedule missed.
      expect(p.foreign?.publish?.ackLatency.count, p.protocol).toBeGreaterThanOrEqual(published);
      expect(p.foreign?.server?.rssBytes, p.protocol).toBeGreaterThan(0);
      expect(p.server).toBeNull();
    }
    expect(result.options).toMatchObject({ preset: 'nchan', target: nchan.url });
    expect(events).toContain('protocol-done');
    const table = formatTable(result);
    expect(table).toMatch(/publish ack p99/);
    expect(table).toMatch(/server CPU/);
    expect(formatHeader({ target: result.target!.url, spawned: false, options: result.options, runId: result.id })).toMatch(/preset nchan/);
    expect(files).toBeDefined();
    const written = (await readFile(files!.json, 'utf8')) + (await readFile(files!.csv, 'utf8'));
    expect(written).not.toContain('s3cr3t');
    expect(JSON.stringify(result)).not.toContain('s3cr3t');
  }, 120_000);

  it('a channel that still holds earlier messages: new subscribers start after its newest, so polls do not walk the backlog', async () => {
    const backlog = await runBench(
      options({ target: nchan.url, foreign: { preset: 'nchan', channel: 'backlog_e2e' }, protocols: ['ws'], rate: 50 }),
    );
    expect(backlog.protocols[0]?.foreign?.publish?.acked).toBeGreaterThan(80);
    const result = await runBench(
      options({
        target: nchan.url,
        foreign: { preset: 'nchan', channel: 'backlog_e2e' },
        protocols: ['long-poll', 'short-poll'],
        rate: 10,
      }),
    );
    for (const p of result.protocols) {
      const published = p.foreign?.publish?.acked ?? 0;
      expect(p.delivery, p.protocol).toMatchObject({
        expected: published * CLIENTS,
        delivered: published * CLIENTS,
        missed: 0,
        duplicated: 0,
      });
      // Walking the 100 buffered messages first would cost each client 100 requests more than its ~20 messages.
      expect(p.bandwidth.requestsPerEvent, p.protocol).toBeLessThan(3);
    }
  }, 120_000);
});
