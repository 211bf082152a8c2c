import { describe, expect, it } from 'vitest';
import { formatProtocolLine, formatTable } from '../../../bench/cli/print.js';
import { createPalette } from '../../../bench/cli/palette.js';
import { combineRepetitions } from '../../../bench/report/repetitions.js';
import type { ProtocolResult } from '../../../bench/report/types.js';
import type { ProtocolName } from '../../../wire/protocols.js';
import { benchResult, protocolResult } from '../fixture.js';

/** A protocol measured once per latency p99 given (µs), combined as `--repeat` combines it. */
function repeated(protocol: ProtocolName, p99s: number[]): ProtocolResult {
  return combineRepetitions(p99s.map((p99) => protocolResult(protocol, { latency: { ...protocolResult(protocol).latency, p99 } })));
}

const row = (table: string, label: string): string => table.split('\n').find((line) => line.startsWith(`  ${label} `)) ?? '';

describe('the comparison table with repetitions', () => {
  const run = benchResult([
    repeated('ws', [1000, 1200, 1100]),
    repeated('sse', [1150, 1300, 1250]),
    repeated('long-poll', [5000, 5200, 5100]),
  ]);

  // 1,000 latency samples per repetition: p99 rests on 10 beyond it, so it also carries †.
  it('shows each figure as the median with the min–max spread, and says so', () => {
    const table = formatTable(run);
    expect(row(table, 'latency p99')).toMatch(/1\.10ms† \[1\.00ms–1\.20ms\]/);
    expect(row(table, 'latency p99')).toMatch(/5\.10ms† \[5\.00ms–5\.20ms\]/);
    expect(table).toContain('median of 3 repetitions, interleaved; [min–max] is the spread across them');
    expect(table).not.toContain('spread is unknown');
    // Every repetition expected 1,000: no spread to show.
    expect(row(table, 'expected')).toMatch(/^\s+expected\s+1,000\s+1,000\s+1,000$/);
  });

  it('marks a protocol within the noise of the best with ≈ (grey), and one outside it not', () => {
    const line = row(formatTable(run), 'latency p99');
    expect(line).toContain('≈1.25ms† [1.15ms–1.30ms]');
    expect(line).not.toContain('≈1.10ms');
    expect(line).not.toContain('≈5.10ms');
    // In colour, the within-noise cell is dim (SGR 2).
    expect(row(formatTable(run, createPalette(true)), 'latency p99')).toContain('\u001b[2m≈1.25ms');
  });

  it('says the spread is unknown with one repetition, and marks nothing as noise', () => {
    const once = formatTable(benchResult([protocolResult('ws'), protocolResult('sse', {}, 1600)]));
    expect(once).toContain('One repetition: the spread is unknown');
    expect(once).not.toContain('≈');
    expect(once).not.toContain('[');
  });

  it('marks a tail percentile resting on few samples with †, and explains the mark', () => {
    // 1,000 latency samples: p99.9 has 1 beyond it, p99 has 10 (both < 20), p90 has 100.
    const table = formatTable(benchResult([protocolResult('ws')]));
    expect(row(table, 'latency p99.9')).toMatch(/†/);
    expect(row(table, 'latency p99')).toMatch(/†/);
    expect(row(table, 'latency p50')).not.toMatch(/†/);
    expect(table).toContain('†: a tail percentile resting on fewer than 20 samples beyond it');
  });
});

describe('a zero below the resolution', () => {
  it('reads "below resolution" with the resolution, not 0B (RSS is coarse)', () => {
    const base = protocolResult('short-poll');
    const none = protocolResult('short-poll', { server: { ...base.server!, memoryPerConnectionBytes: 0 } });
    const ws = protocolResult('ws', { server: { ...base.server!, memoryPerConnectionBytes: 52_000 } });
    const line = row(formatTable(benchResult([ws, none])), 'memory/connection');
    // 10 clients: 1 MiB of RSS ÷ 10 = 104,858 B per connection is the smallest growth RSS tells apart.
    expect(line).toContain('<105kB below resolution');
    expect(line).not.toMatch(/\s0B/);
    // The WebSocket's 52 kB is also under 105 kB with 10 clients: below resolution too; the figure needs more clients.
    expect(
      formatTable(
        benchResult([
          protocolResult('ws', {
            clients: { ...base.clients, connected: 1000 },
            server: { ...base.server!, memoryPerConnectionBytes: 52_000 },
          }),
        ]),
      ),
    ).toMatch(/memory\/connection\s+52\.0kB/);
  });
});

describe('the per-protocol line', () => {
  it('shows ✗ and names the threshold when one of the protocol failed', () => {
    const ws = protocolResult('ws');
    expect(formatProtocolLine(ws)).toMatch(/^✓ ws:/);
    const failed = [
      { expression: 'ws.latency.p99.9<1us', protocol: 'ws' as const, metric: 'latency.p99.9', actual: 3000, limit: 1, passed: false },
    ];
    const line = formatProtocolLine(ws, createPalette(false), failed);
    expect(line).toMatch(/^✗ ws:/);
    expect(line).toContain('threshold failed: ws.latency.p99.9<1us');
  });
});

describe("the generator's RSS per 1,000 clients", () => {
  it('reads "below resolution" too when its growth is under what RSS tells apart', () => {
    const base = protocolResult('ws');
    const none = protocolResult('ws', { generator: { ...base.generator, rssPerThousandClientsBytes: 0 } });
    // 10 clients: 1 MiB ÷ 10 × 1,000 = 105 MB per 1,000 clients is the smallest growth that shows.
    const line = row(formatTable(benchResult([none])), 'generator RSS/1k clients');
    expect(line).toContain('<105MB below resolution');
  });
});
