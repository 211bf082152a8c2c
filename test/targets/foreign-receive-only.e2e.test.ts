import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTable } from '../../bench/cli/print.js';
import type { BenchOptions } from '../../bench/options.js';
import { runBench } from '../../bench/run.js';
import { startGenericServer, type RunningGeneric } from '../helpers/generic-server.js';
import { ControlClient } from '../../bench/target/control-client.js';
import { spawnServer, type SpawnedServer } from '../../bench/target/spawn.js';

/**
 * Receive-only runs with latency: a server that publishes on its own and writes its send time
 * into each message (`--timestamp-field`, `--timestamp-clock`), measured through the fault proxy
 * so the latency has a known floor.
 */

const CLIENTS = 20;

function options(extra: Partial<BenchOptions>): BenchOptions {
  return {
    clients: CLIENTS,
    durationMs: 1500,
    warmupMs: 0,
    idleMs: 0,
    workers: 1,
    pollIntervalMs: 200,
    writeFiles: false,
    thresholds: [],
    ...extra,
  };
}

describe('receive-only latency from the server’s own timestamp', () => {
  let generic: RunningGeneric;
  let timer: NodeJS.Timeout | undefined;
  beforeAll(async () => {
    generic = await startGenericServer({ holdMs: 500 });
    // The server's own publisher: bounded in count and time, stops by itself.
    let sent = 0;
    timer = setInterval(() => {
      if (sent >= 400) return clearInterval(timer);
      sent += 1;
      void fetch(`${generic.url}/publish`, { method: 'POST', body: `server update ${sent}` });
    }, 20);
  });
  afterAll(async () => {
    clearInterval(timer);
    await generic?.close();
  });

  it('reads the envelope’s "at" (epoch-ms): every message has a latency, at least the proxy’s 60 ms, and the footnote says the clocks differ', async () => {
    const result = await runBench(
      options({
        target: generic.url,
        foreign: { preset: 'generic', urls: { ws: '/stream/ws', sse: '/stream/sse' }, timestampField: 'at', timestampClock: 'epoch-ms' },
        network: { latencyMs: 60 },
      }),
    );
    expect(result.failures).toEqual([]);
    expect(result.options.targetSummary).toMatch(/latency from the server's own at \(epoch-ms\)/);
    for (const p of result.protocols) {
      expect(p.foreign?.publish, p.protocol).toBeNull();
      expect(p.foreign?.timestamp, p.protocol).toEqual({ field: 'at', clock: 'epoch-ms' });
      // The window's messages, each with its own latency (the envelope's ms resolution takes up to 1 ms off).
      expect(p.latency.count, p.protocol).toBeGreaterThan(CLIENTS * 20);
      expect(p.latency.min, p.protocol).toBeGreaterThanOrEqual(59_000);
      expect(p.latency.p50, p.protocol).toBeLessThan(1_000_000);
      expect(p.delivery.expected, p.protocol).toBe(0);
    }
    const table = formatTable(result);
    expect(table).toMatch(/it includes the difference between the two machines' clocks/);
    expect(table).not.toMatch(/latency and integrity: receive-only/);
  }, 90_000);

  it('polling: the path walks into the answer (items.-1.at); an answer without the field is an empty poll', async () => {
    const result = await runBench(
      options({
        target: generic.url,
        foreign: {
          preset: 'generic',
          urls: { 'long-poll': '/events/wait' },
          pollCursor: 'query:after=json:next',
          timestampField: 'items.-1.at',
        },
      }),
    );
    expect(result.failures).toEqual([]);
    const p = result.protocols[0]!;
    expect(p.latency.count).toBeGreaterThan(CLIENTS * 10);
    expect(p.latency.p50).toBeLessThan(1_000_000);
    expect(p.foreign?.timestamp).toEqual({ field: 'items.-1.at', clock: 'epoch-ms' });
  }, 90_000);

  it('refuses a timestamp field when the harness publishes, a clock without a field, and an unknown clock', async () => {
    const base = { preset: 'generic' as const, urls: { ws: '/stream/ws' } };
    await expect(
      runBench(options({ target: generic.url, foreign: { ...base, publish: '/publish', timestampField: 'at' } })),
    ).rejects.toThrow(/--timestamp-field applies to a receive-only run/);
    await expect(runBench(options({ target: generic.url, foreign: { ...base, timestampClock: 'epoch-ms' } }))).rejects.toThrow(
      /--timestamp-clock needs --timestamp-field/,
    );
    await expect(
      runBench(options({ target: generic.url, foreign: { ...base, timestampField: 'at', timestampClock: 'ms' } })),
    ).rejects.toThrow(/--timestamp-clock must be one of epoch-s, epoch-ms, epoch-us, epoch-ns, iso, got "ms"/);
    await expect(
      runBench(options({ target: generic.url, foreign: { preset: 'nchan', channel: 'x', timestampField: 'at' } })),
    ).rejects.toThrow(/--timestamp-field does not apply to --preset nchan/);
  });
});

describe('--preset wirelab without a control token', () => {
  let server: SpawnedServer;
  beforeAll(async () => {
    server = await spawnServer();
    // The feed runs on its own (the test holds the token; the run does not).
    await new ControlClient(server.url, server.controlToken).setFeed({ mode: 'bench', rate: 40, payload: 128 });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('watches the feed as it runs, receive-only: messages, latency on the shared clock, integrity not counted', async () => {
    const result = await runBench(options({ target: server.url, foreign: { preset: 'wirelab' }, protocols: ['ws', 'sse'] }));
    expect(result.failures).toEqual([]);
    expect(result.options.targetSummary).toMatch(/publisher: the server's own feed as it runs \(receive-only\)/);
    for (const p of result.protocols) {
      expect(p.foreign?.preset, p.protocol).toBe('wirelab');
      expect(p.foreign?.publish, p.protocol).toBeNull();
      // 40 updates a second for 1.5 s: the clients read them as the feed's own updates, not as unmarked messages.
      expect(p.foreign?.messagesPerSecondPerClient, p.protocol).toBeGreaterThan(25);
      expect(p.foreign?.unmarked, p.protocol).toBe(0);
      expect(p.latency.count, p.protocol).toBeGreaterThan(CLIENTS * 40);
      expect(p.latency.p99, p.protocol).toBeLessThan(1_000_000);
      expect(p.delivery.expected, p.protocol).toBe(0);
    }
    const table = formatTable(result);
    expect(table).toMatch(/cannot fence the window, so missed and duplicated are not counted/);
    expect(table).toMatch(/the monotonic clock this machine shares with it/);
  }, 90_000);

  it('refuses other scenarios without a token, and a bare --target still asks for the token', async () => {
    await expect(
      runBench(options({ target: server.url, foreign: { preset: 'wirelab' }, scenario: 'reconnect', protocols: ['ws'] })),
    ).rejects.toThrow(/--scenario reconnect needs --control-token against wirelab's server/);
    await expect(runBench(options({ target: server.url, protocols: ['ws'] }))).rejects.toThrow(
      /needs --control-token.*or give --preset wirelab to watch its feed as it runs/,
    );
  });
});
