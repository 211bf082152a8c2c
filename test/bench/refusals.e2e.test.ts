import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_PING_INTERVAL_MS } from '../../bench/defaults.js';
import { resolveBenchOptions } from '../../bench/options.js';
import { OptionError } from '../../wire/errors.js';
import { formatTable, formatTotal } from '../../bench/cli/print.js';
import { runBench } from '../../bench/run.js';
import type { BenchResult } from '../../bench/report/types.js';
import { SERVER_DEFAULTS } from '../../servers/config.js';
import { runCli } from '../helpers/run-cli.js';
import { startServer, type TestServer } from '../servers/helpers.js';

const TOKEN = 'refusals-test-token';

describe('--ping-interval and the server rate limit', () => {
  it('refuses an interval that would trip the server’s limit, naming the limit', () => {
    const rate = SERVER_DEFAULTS.messageRatePerSecond;
    for (const pingIntervalMs of [50, 100, MIN_PING_INTERVAL_MS - 1]) {
      let error: unknown;
      try {
        resolveBenchOptions({ scenario: 'ping', pingIntervalMs });
      } catch (caught) {
        error = caught;
      }
      expect(error, `${pingIntervalMs} ms`).toBeInstanceOf(OptionError);
      expect((error as OptionError).option).toBe('--ping-interval');
      expect((error as Error).message).toContain(`the server's rate limit is ${rate} messages per second per client`);
      expect((error as Error).message).toContain(`at least ${MIN_PING_INTERVAL_MS}ms`);
    }
    expect(resolveBenchOptions({ scenario: 'ping', pingIntervalMs: MIN_PING_INTERVAL_MS }).pingIntervalMs).toBe(MIN_PING_INTERVAL_MS);
  });

  it('exits 2 on --ping-interval 100ms with the limit in the message', async () => {
    const { code, stdout, stderr } = await runCli(['--scenario', 'ping', '--ping-interval', '100ms', '--no-live']);
    expect(code).toBe(2);
    expect(stderr).toContain('--ping-interval must be at least 112ms, got 100ms');
    expect(stderr).toContain('10 messages per second per client');
    expect(stdout).toBe('');
  });
});

describe('a run whose server refuses the harness’s messages', () => {
  // A server stricter than ours by default: 2 messages per second per WebSocket client, so
  // PINGs every 250 ms are refused (the default server would refuse them below 112 ms).
  let server: TestServer;
  let result: BenchResult;

  beforeAll(async () => {
    server = await startServer({ messageRatePerSecond: 2, controlToken: TOKEN });
    result = await runBench({
      target: server.url,
      controlToken: TOKEN,
      scenario: 'ping',
      protocols: ['ws'],
      clients: 5,
      durationMs: 2000,
      warmupMs: 200,
      idleMs: 0,
      drainTimeoutMs: 1000,
      pingIntervalMs: 250,
      capacityDurationMs: 0,
      workers: 1,
      writeFiles: false,
      thresholds: [],
    });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it('does not pass, and says why with the codes and counts', () => {
    const ws = result.protocols[0]!;
    expect(result.failures).toEqual([]);
    expect(result.thresholds).toEqual([]);
    expect(result.passed).toBe(false);
    expect(ws.refusals?.WL_RATE_LIMITED).toBeGreaterThan(0);
    expect(ws.ping!.unanswered).toBeGreaterThan(0);
    expect(ws.ping!.answered! + ws.ping!.refused! + ws.ping!.unanswered! + ws.ping!.cut!).toBe(ws.ping!.scheduled);
    const messages = (result.refused ?? []).map((r) => `${r.protocol}: ${r.message}`);
    expect(
      messages.some((m) => /^ws: the server refused [\d,]+ of the harness's messages or requests \(WL_RATE_LIMITED × [\d,]+/.test(m)),
      messages.join('\n'),
    ).toBe(true);
    expect(
      messages.some((m) => /^ws: [\d,]+ of [\d,]+ scheduled PINGs were refused or never answered/.test(m)),
      messages.join('\n'),
    ).toBe(true);
    expect(formatTable(result)).toMatch(/✗ ws: does not pass: the server refused/);
    expect(formatTotal(result, null)).toMatch(/^FAIL/);
  });

  it('makes the CLI exit 99 (not passed) although no threshold failed', async () => {
    const { code, stdout } = await runCli([
      '--target',
      server.url,
      '--control-token',
      TOKEN,
      '--scenario',
      'ping',
      '-p',
      'ws',
      '-c',
      '3',
      '-d',
      '1',
      '--warmup',
      '0',
      '--idle',
      '0',
      '--drain-timeout',
      '500',
      '--ping-interval',
      '200ms',
      '--threshold',
      'none',
      '--no-live',
      '--no-files',
    ]);
    expect(stdout).toMatch(/✗ ws: does not pass: the server refused/);
    expect(stdout).toMatch(/^FAIL · /m);
    expect(code).toBe(99);
  }, 60_000);
});
