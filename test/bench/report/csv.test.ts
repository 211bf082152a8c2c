import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvLine, resultsToCsv, resultToCsv, TIMESERIES_CSV_COLUMNS, timeseriesToCsv } from '../../../bench/report/csv.js';
import { METRICS } from '../../../bench/report/metrics.js';
import { benchResult, protocolResult } from '../fixture.js';

/** A small RFC 4180 reader, enough to check what we write. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') ((cell += '"'), i++);
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') (row.push(cell), (cell = ''));
    else if (ch === '\n') (row.push(cell), rows.push(row), (row = []), (cell = ''));
    else cell += ch;
  }
  return rows;
}

describe('CSV', () => {
  const result = benchResult([protocolResult('ws'), protocolResult('short-poll')]);

  it('has one header constant: run columns, then one column per metric with its unit', () => {
    expect(CSV_COLUMNS.slice(0, 3)).toEqual(['run_id', 'started_at', 'protocol']);
    expect(CSV_COLUMNS).toContain('latency.p99_us');
    expect(CSV_COLUMNS).toContain('bandwidth.bytesPerEvent_bytes');
    expect(CSV_COLUMNS).toContain('bandwidth.requestsPerEvent');
    expect(CSV_COLUMNS).toContain('server.cpuPercent_pct');
    expect(new Set(CSV_COLUMNS).size).toBe(CSV_COLUMNS.length);
    expect(CSV_COLUMNS.length).toBe(10 + METRICS.length);
  });

  it('writes one row per protocol in column order; empty cells for what was not measured', () => {
    const rows = parseCsv(resultToCsv(result));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(3);
    const ws = Object.fromEntries(CSV_COLUMNS.map((name, i) => [name, rows[1]![i]]));
    const poll = Object.fromEntries(CSV_COLUMNS.map((name, i) => [name, rows[2]![i]]));
    expect(ws.protocol).toBe('ws');
    expect(Number(ws['latency.p99_us'])).toBe(result.protocols[0]!.latency.p99);
    expect(ws['delivery.missed']).toBe('0');
    expect(ws['ping.p99_us']).toBe('');
    expect(ws['capacity.requestsPerSecond_per_s']).toBe('');
    expect(poll['capacity.requestsPerSecond_per_s']).toBe('9000');
    expect(ws.suspect).toBe('false');
  });

  it('appends runs under one header (the dashboard exports several)', () => {
    const other = benchResult([protocolResult('sse')], { id: 'other-run' });
    const rows = parseCsv(resultsToCsv([result, other]));
    expect(rows).toHaveLength(4);
    expect(rows[3]![0]).toBe('other-run');
  });

  it('quotes cells that need it', () => {
    expect(csvLine(['a,b', 'say "hi"', 'line\nbreak', 3, null, true])).toBe('"a,b","say ""hi""","line\nbreak",3,,true');
  });

  it('writes the time series long: timestamp,protocol,metric,value', () => {
    const rows = parseCsv(timeseriesToCsv(result));
    expect(rows[0]).toEqual([...TIMESERIES_CSV_COLUMNS]);
    const body = rows.slice(1);
    expect(body.every((row) => row.length === 4 && row[0] === '2025-11-25T13:54:01.000Z' && row[1] === 'ws')).toBe(true);
    const metrics = Object.fromEntries(body.map((row) => [row[2], Number(row[3])]));
    expect(metrics).toMatchObject({ measuring: 1, connected: 10, messages_per_s: 100, 'latency.p99_us': 3000, 'generator.cpu_pct': 5.5 });
    expect(metrics).not.toHaveProperty('server.cpu_pct'); // null: left out
    expect(metrics).not.toHaveProperty('drops'); // written before issue 5: absent, left out
  });

  it('writes the reconnect timeline: attempts per second and drops per second', () => {
    const point = { ...result.timeseries[0]!, reconnects: 10, reconnectsPerSecond: 10, drops: 1 };
    const rows = parseCsv(timeseriesToCsv(benchResult([protocolResult('ws')], { timeseries: [point] })));
    const metrics = Object.fromEntries(rows.slice(1).map((row) => [row[2], Number(row[3])]));
    expect(metrics).toMatchObject({ reconnects: 10, reconnects_per_s: 10, drops: 1, connected: 10 });
  });
});
