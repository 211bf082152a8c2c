import { describe, expect, it } from 'vitest';
import { colorEnabled, createPalette } from '../../../bench/cli/palette.js';
import { formatDropLine, formatHeader, formatProtocolLine, formatTable, formatTotal } from '../../../bench/cli/print.js';
import { recordedOptions, resolveBenchOptions } from '../../../bench/options.js';
import { benchResult, protocolResult, reconnectFigures } from '../fixture.js';

describe('printing', () => {
  const result = benchResult([protocolResult('ws'), protocolResult('sse'), protocolResult('long-poll'), protocolResult('short-poll')]);

  it('prints a header naming target, clients, protocols, feed and duration', () => {
    const header = formatHeader({ runId: result.id, target: result.target.url, spawned: true, options: result.options });
    expect(header).toContain('http://127.0.0.1:40000 (spawned)');
    expect(header).toContain('10 clients × ws, sse, long-poll, short-poll');
    expect(header).toContain('feed 10/s × 256B');
    expect(header).toContain('10s window');
  });

  it('says the agents hold the clients instead of the loopback spread they may replace with their own addresses', () => {
    const options = recordedOptions(resolveBenchOptions({ scenario: 'hold', clients: 30_000, protocols: ['ws'] }));
    const target = 'http://127.0.0.1:40000';
    expect(formatHeader({ runId: 'r', target, spawned: true, options })).toContain('clients from 2 loopback source addresses');
    const agents = formatHeader({ runId: 'r', target, spawned: true, options, agents: 2 });
    expect(agents).toContain('clients on 2 agents');
    expect(agents).not.toContain('loopback source addresses');
  });

  it('prints protocols as columns and skips rows no protocol has', () => {
    const table = formatTable(result);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/ws\s+sse\s+long-poll\s+short-poll$/);
    expect(table).toMatch(/latency p99\s+2\.97ms/);
    expect(table).toContain('requests/event');
    expect(table).not.toContain('PING RTT');
    expect(table).not.toContain('recovery');
    // Every row has all four columns, aligned to the same width.
    const widths = new Set(lines.filter((line) => line.startsWith('  ')).map((line) => line.length));
    expect(widths.size).toBe(1);
  });

  it('marks a saturated generator, failed thresholds and failures in footnotes', () => {
    const saturated = protocolResult('ws', {
      generator: { ...protocolResult('ws').generator, saturated: true, reasons: ['a generator thread was busy 97% of a second'] },
    });
    const bad = benchResult([saturated], {
      suspect: true,
      passed: false,
      failures: [{ protocol: 'sse', message: 'worker 0 failed' }],
      thresholds: [{ expression: 'ws.latency.p99<1ms', protocol: 'ws', metric: 'latency.p99', actual: 3000, limit: 1000, passed: false }],
    });
    const table = formatTable(bad);
    expect(table.split('\n')[0]).toContain('ws*');
    expect(table).toContain('* ws: suspect');
    expect(table).toContain('✗ sse: not measured: worker 0 failed');
    expect(table).toContain('✗ threshold ws.latency.p99<1ms failed for ws: 3.00ms (limit 1.00ms)');
    expect(formatTotal(bad, null)).toMatch(/^FAIL · 1 protocol in 1m10s .* thresholds 0\/1 passed · suspect/);
  });

  it('prints a one-line total', () => {
    const total = formatTotal(result, { json: 'results/x.json', csv: 'results/x.csv', timeseriesCsv: 'results/x.timeseries.csv' });
    expect(total).toBe('PASS · 4 protocols in 1m10s · 4,000/4,000 updates delivered · thresholds 0/0 passed · results results/x.json');
    expect(total.split('\n')).toHaveLength(1);
  });

  it('honours NO_COLOR and colours only a TTY', () => {
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(formatTable(result, createPalette(false))).not.toContain('\u001b[');
    expect(formatTable(result, createPalette(true))).toContain('\u001b[');
  });

  it('prints the reconnect figures, the drop plan and the faults', () => {
    const options = recordedOptions(
      resolveBenchOptions({
        clients: 10,
        scenario: 'reconnect',
        reconnect: { jitter: 0 },
        network: { latencyMs: 50, jitterMs: 10, bandwidthBitsPerSecond: 1e6, resetEveryMs: 4000 },
      }),
    );
    const run = benchResult(
      [
        protocolResult('ws', { scenario: 'reconnect', reconnect: reconnectFigures() }),
        protocolResult('short-poll', {
          scenario: 'reconnect',
          reconnect: reconnectFigures({ attempts: 0, recovered: 9, notRecovered: 1, missedInOutage: 3 }, 400_000),
        }),
      ],
      { options },
    );
    const header = formatHeader({ runId: run.id, target: run.target.url, spawned: true, options });
    expect(header).toContain('scenario reconnect');
    expect(header).toContain('drop at 5s, 12s · backoff 1s…16s, no jitter');
    expect(header).toContain('net +50ms ±10ms one-way, 1mbit/connection, reset every 4s');
    const table = formatTable(run);
    expect(table).toContain('Reconnect');
    // 10 and 9 recoveries: every percentile but the median rests on few samples (†).
    expect(table).toMatch(/recovery p50\s+800ms†\s+400ms†/);
    expect(table).toMatch(/recovery p99\s+1\.60s†\s+800ms†/);
    expect(table).toMatch(/recovered by resume\s+90\s+90/);
    expect(table).toMatch(/missed in outage\s+0\s+3/);
    expect(table).toMatch(/storm peak \(server accepts\/s\)\s+50\/s/);
    expect(table).toMatch(/storm peak \(client attempts\/s\)\s+60\/s/);
    const coloured = formatTable(run, createPalette(true));
    expect(coloured).toContain('\u001b[31m3\u001b[39m');
    expect(formatProtocolLine(run.protocols[1]!)).toMatch(
      /1 drop, recovery p50 400ms p99 800ms, 1 not back, outage 90\/90 resumed, 3 missed/,
    );
    expect(formatDropLine('ws', { kind: 'restart', atMs: 5000, connections: 1000, tookMs: 1250 })).toBe(
      '↯ ws: server restarted (back in 1.25s) at 5s of the window, 1,000 connections cut',
    );
  });
});
