import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTable } from '../../bench/cli/print.js';
import type { BenchOptions } from '../../bench/options.js';
import type { BenchResult } from '../../bench/report/types.js';
import { runBench } from '../../bench/run.js';
import { startGenericServer, type RunningGeneric } from '../helpers/generic-server.js';
import { startNchan, type RunningNchan } from '../helpers/nchan-server.js';
import { runCli, type CommandRun } from '../helpers/run-cli.js';
import { startSocketIoRelay, type RunningRelay } from '../helpers/socketio-relay.js';
import { expectExactDelivery, foreignRunOptions } from './foreign-bench.js';

/** runBench and the CLI against foreign servers: Socket.IO, a generic server, receive-only, injected loss, refusals. */

const CLIENTS = 60;

let relay: RunningRelay;
let generic: RunningGeneric;
let outDir: string;

beforeAll(async () => {
  [relay, generic, outDir] = await Promise.all([
    startSocketIoRelay({ event: 'tick' }),
    startGenericServer(),
    mkdtemp(join(tmpdir(), 'wirelab-foreign-')),
  ]);
});

afterAll(async () => {
  await Promise.all([relay?.close(), generic?.close(), outDir === undefined ? undefined : rm(outDir, { recursive: true, force: true })]);
});

function options(extra: Partial<BenchOptions>): BenchOptions {
  return foreignRunOptions(CLIENTS, { durationMs: 1500, writeFiles: false, ...extra });
}

/** The bench command, with time for a whole run against a foreign server. */
function cli(args: string[]): Promise<CommandRun> {
  return runCli(args, { timeoutMs: 90_000 });
}

function expectExact(result: BenchResult, protocols: string[]): void {
  expect(result.failures).toEqual([]);
  expect(result.protocols.map((p) => p.protocol)).toEqual(protocols);
  for (const p of result.protocols) {
    expect(expectExactDelivery(p, CLIENTS), p.protocol).toBeGreaterThan(10);
    expect(p.bandwidth.bytesPerEvent, p.protocol).toBeGreaterThan(0);
    // No --target-pid: the server rows are unknown, and say why.
    expect(p.foreign?.server, p.protocol).toBeNull();
    expect(p.foreign?.serverUnmeasured, p.protocol).toMatch(/--target-pid/);
  }
}

describe('runBench against foreign servers', () => {
  it(`socketio: ws and long-poll, ${CLIENTS} clients each, every relayed event delivered once`, async () => {
    const result = await runBench(options({ target: relay.url, foreign: { preset: 'socketio', event: 'tick' } }));
    expectExact(result, ['ws', 'long-poll']);
    const table = formatTable(result);
    expect(table).toMatch(/server CPU\s+–\s+–/);
    expect(table).toMatch(/– server process: a foreign server has no \/stats; give --target-pid/);
  }, 90_000);

  it('the CLI against a generic server: every protocol given, exit 0, the header says what was measured, no secret in the output or the files', async () => {
    const secret = 'tok-9f8e7d6c';
    const run = await cli([
      '--target',
      generic.url,
      '--preset',
      'generic',
      '--ws-url',
      '/stream/ws',
      '--sse-url',
      `/stream/sse?key=${secret}`,
      '--long-poll-url',
      '/events/wait',
      '--poll-url',
      '/events',
      '--poll-cursor',
      'query:after=json:next',
      '--publish',
      '/publish',
      '--publish-body',
      '{"text":"{{message}}"}',
      '--publish-header',
      'Content-Type: application/json',
      '--header',
      `Authorization: Bearer ${secret}`,
      '--clients',
      String(CLIENTS),
      '--duration',
      '1.5s',
      '--idle',
      '0',
      '--rate',
      '20',
      '--payload',
      '128',
      '--poll-interval',
      '200ms',
      '--workers',
      '1',
      '--threshold',
      'none',
      '--no-live',
      '--no-progress',
      '-o',
      outDir,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/preset generic; ws \(resume: none\), sse \(resume: Last-Event-ID\)/);
    expect(run.stdout).toMatch(/publisher: POST http:\/\/127\.0\.0\.1:\d+\/publish/);
    expect(run.stderr + run.stdout).not.toContain(secret);
    const files = await readdir(outDir);
    const json = files.find((name) => name.endsWith('.json'));
    expect(json).toBeDefined();
    const text = await readFile(join(outDir, json!), 'utf8');
    expect(text).not.toContain(secret);
    for (const name of files) expect(await readFile(join(outDir, name), 'utf8')).not.toContain(secret);
    expectExact(JSON.parse(text) as BenchResult, ['ws', 'sse', 'long-poll', 'short-poll']);
  }, 120_000);

  it('receive-only: a server publishing on its own is measured without latency, every message counted as unmarked', async () => {
    // The server's own publisher: bounded in count and time, stops by itself.
    let sent = 0;
    const timer = setInterval(() => {
      if (sent >= 200) return clearInterval(timer);
      sent += 1;
      void fetch(`${generic.url}/publish`, { method: 'POST', body: `server update ${sent}` });
    }, 25);
    try {
      const result = await runBench(
        options({ target: generic.url, foreign: { preset: 'generic', urls: { ws: '/stream/ws', sse: '/stream/sse' } }, durationMs: 1000 }),
      );
      expect(result.failures).toEqual([]);
      for (const p of result.protocols) {
        expect(p.foreign?.publish, p.protocol).toBeNull();
        expect(p.foreign?.unmarked, p.protocol).toBeGreaterThan(CLIENTS * 5);
        expect(p.foreign?.messagesPerSecondPerClient, p.protocol).toBeGreaterThan(5);
        expect(p.delivery.expected, p.protocol).toBe(0);
        expect(p.latency.count, p.protocol).toBe(0);
      }
      expect(formatTable(result)).toMatch(/receive-only run \(no --publish\)/);
    } finally {
      clearInterval(timer);
    }
  }, 90_000);

  it('refuses what it cannot do against a foreign target with an option error naming the flag', async () => {
    await expect(
      runBench(options({ target: generic.url, foreign: { preset: 'generic', urls: { ws: '/stream/ws' } }, scenario: 'ping' })),
    ).rejects.toThrow(/--scenario.*ping is not available against a foreign target/);
    await expect(
      runBench(options({ target: generic.url, foreign: { preset: 'generic', urls: { ws: '/stream/ws' } }, network: { lossPercent: 1 } })),
    ).rejects.toThrow(/--net-loss cannot be used with a foreign target.*network namespace/);
    await expect(
      runBench(
        options({ target: generic.url, foreign: { preset: 'generic', urls: { ws: '/stream/ws' } }, scenario: 'reconnect', restart: true }),
      ),
    ).rejects.toThrow(/--restart cannot restart/);
    await expect(
      runBench(options({ target: generic.url, foreign: { preset: 'generic', urls: { ws: '/stream/ws' } }, protocols: ['sse'] })),
    ).rejects.toThrow(/--protocols.*sse not offered/);
    await expect(
      runBench(
        options({ target: generic.url, foreign: { preset: 'generic', urls: { ws: '/stream/ws' }, publish: '/publish' }, payload: 20 }),
      ),
    ).rejects.toThrow(/--payload.*at least 32/);
    await expect(
      runBench(options({ target: generic.url, foreign: { preset: 'nchan', channel: 'x' }, targetPids: [2 ** 30] })),
    ).rejects.toThrow(/--target-pid.*not a running process/);
    await expect(runBench(options({ targetPids: [process.pid] }))).rejects.toThrow(/--target-pid.*applies to a foreign target/);
    const run = await cli(['--target', generic.url, '--preset', 'nchan', '--channel', 'x', '--net-loss', '1%', '--no-live']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--net-loss/);
  }, 60_000);
});

describe('runBench reports loss exactly when it happens', () => {
  let nchan: RunningNchan;
  beforeAll(async () => {
    nchan = await startNchan({ bufferLength: 3 });
  });
  afterAll(async () => {
    await nchan?.stop();
  });

  it('short polling slower than a 3-message nchan buffer: the evicted messages are missed, counted exactly, never duplicated', async () => {
    const result = await runBench(
      options({
        target: nchan.url,
        foreign: { preset: 'nchan', channel: 'lossy' },
        protocols: ['short-poll'],
        pollIntervalMs: 1000,
        rate: 20,
        durationMs: 2000,
        clients: 20,
      }),
    );
    const p = result.protocols[0]!;
    const published = p.foreign?.publish?.acked ?? 0;
    expect(published).toBeGreaterThan(20);
    expect(p.delivery.expected).toBe(published * 20);
    expect(p.delivery.missed).toBeGreaterThan(0);
    expect(p.delivery.delivered + p.delivery.missed).toBe(p.delivery.expected);
    expect(p.delivery.duplicated).toBe(0);
    // Every poll gets at most the 3 buffered messages, and the last 3 are always there.
    expect(p.delivery.delivered).toBeLessThan(published * 20);
    expect(p.latency.count).toBe(p.delivery.delivered);
  }, 60_000);
});
