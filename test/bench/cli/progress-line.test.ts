import { describe, expect, it } from 'vitest';
import { createPalette } from '../../../bench/cli/palette.js';
import { phaseClock, ProgressReporter } from '../../../bench/cli/progress-line.js';
import type { ProgressEvent, TimeseriesPoint } from '../../../bench/report/types.js';
import { protocolResult } from '../fixture.js';

function tty(): { isTTY: boolean; text: string; write(text: string): void } {
  return {
    isTTY: true,
    text: '',
    write(text: string) {
      this.text += text;
    },
  };
}

function point(t: number, connected: number): TimeseriesPoint {
  return {
    t,
    protocol: 'short-poll',
    phase: 'warmup',
    connected,
    messagesPerSecond: 0,
    bytesPerSecond: 0,
    latencyP50: null,
    latencyP99: null,
    reconnects: 0,
    serverCpuPercent: null,
    serverRssBytes: null,
    serverAcceptedPerSecond: null,
    generatorCpuPercent: 1,
    generatorLoopDelayMs: 0,
  };
}

const settings = { clients: 1000, durationMs: 10_000, warmupMs: 2000, idleMs: 2000, capacityDurationMs: 3000, showLine: true };

describe('the progress line', () => {
  it('never runs a phase clock past the phase (no 3s/2s)', () => {
    expect(phaseClock(12_600, { startedAt: 10_000, durationMs: 2000 })).toBe('2s/2s');
    expect(phaseClock(11_000, { startedAt: 10_000, durationMs: 2000 })).toBe('1s/2s');
    expect(phaseClock(14_000, { startedAt: 10_000, durationMs: null })).toBe('4s');
  });

  it('shows the connecting and capacity phases as they start, and the connected clients in a phase without a tick yet', () => {
    const stream = tty();
    const reporter = new ProgressReporter(stream, createPalette(false), settings);
    const events: ProgressEvent[] = [
      { type: 'phase', protocol: 'short-poll', phase: 'connecting', t: 0 },
      { type: 'tick', point: point(1000, 1000), windowP99: null, windowMessages: 0 },
      { type: 'phase', protocol: 'short-poll', phase: 'warmup', t: 1200 },
      { type: 'phase', protocol: 'short-poll', phase: 'capacity', t: 9000 },
    ];
    const lines: string[] = [];
    for (const event of events) {
      stream.text = '';
      reporter.handle(event);
      lines.push(stream.text);
    }
    expect(lines[0]).toMatch(/short-poll\s+connecting 0ms/);
    expect(lines[2]).toMatch(/warmup 0ms\/2s\s+1,000\/1,000 connected/);
    expect(lines[3]).toMatch(/capacity 0ms\/3s/);
    expect(lines[3]).not.toContain('connected');
  });

  it('marks a protocol ✗ when one of its thresholds failed', () => {
    const stream = tty();
    const reporter = new ProgressReporter(stream, createPalette(false), {
      ...settings,
      thresholds: ['ws.latency.p99.9<1us', 'sse.latency.p99<1us'],
    });
    reporter.handle({ type: 'protocol-done', result: protocolResult('ws') });
    expect(stream.text).toMatch(/^✗ ws: .*threshold failed: ws\.latency\.p99\.9<1us\n$/);
    stream.text = '';
    const passing = new ProgressReporter(stream, createPalette(false), { ...settings, thresholds: ['sse.latency.p99<1us'] });
    passing.handle({ type: 'protocol-done', result: protocolResult('ws') });
    expect(stream.text).toMatch(/^✓ ws: /);
  });
});
