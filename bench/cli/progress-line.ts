import { formatCount, formatDurationMs, formatMetric } from '../report/format.js';
import type { Palette } from './palette.js';
import { formatLossControlLine } from './loss-print.js';
import { formatDropLine, formatProtocolLine } from './print.js';
import type { Phase, ProgressEvent } from '../report/types.js';
import type { ProtocolName } from '../../wire/protocols.js';

export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** The per-second line: `ws  measuring 4s/10s  1,000/1,000 connected  10,020 msg/s  p99 1.2ms (window 1.4ms)  gen CPU 35%`. */
export function formatProgress(
  event: Extract<ProgressEvent, { type: 'tick' }>,
  phase: { phase: Phase; startedAt: number; durationMs: number | null },
  clients: number,
  c: Palette,
): string {
  const { point } = event;
  const elapsed = Math.max(0, point.t - phase.startedAt);
  const clock = phase.durationMs === null ? formatDurationMs(Math.round(elapsed / 1000) * 1000) : `${formatDurationMs(Math.round(elapsed / 1000) * 1000)}/${formatDurationMs(phase.durationMs)}`;
  const parts = [
    c.bold(point.protocol.padEnd(10)),
    `${phase.phase} ${clock}`.padEnd(20),
    `${formatCount(point.connected)}/${formatCount(clients)} connected${(event.failed ?? 0) > 0 ? `, ${formatCount(event.failed ?? 0)} failed` : ''}`,
    `${formatCount(point.messagesPerSecond)} msg/s`,
    `p99 ${formatMetric(point.latencyP99, 'us')}${event.windowP99 === null ? '' : ` (window ${formatMetric(event.windowP99, 'us')})`}`,
    `gen CPU ${formatMetric(point.generatorCpuPercent, 'percent')}`,
  ];
  if (point.serverCpuPercent !== null) parts.push(`server CPU ${formatMetric(point.serverCpuPercent, 'percent')}`);
  return parts.join('  ');
}

/**
 * Listens to progress events and keeps one status line up to date on a TTY (redrawn in
 * place); on any stream it writes one line per finished protocol. Only the CLI uses it.
 */
export class ProgressReporter {
  private phase: { protocol: ProtocolName | undefined; phase: Phase; startedAt: number; durationMs: number | null } = {
    protocol: undefined,
    phase: 'starting',
    startedAt: 0,
    durationMs: null,
  };
  private lineShown = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly palette: Palette,
    private readonly settings: { clients: number; durationMs: number; warmupMs: number; idleMs: number; capacityDurationMs: number; showLine: boolean },
  ) {}

  handle(event: ProgressEvent): void {
    switch (event.type) {
      case 'phase':
        this.phase = { protocol: event.protocol, phase: event.phase, startedAt: event.t, durationMs: this.phaseDuration(event.phase) };
        return;
      case 'tick':
        if (this.settings.showLine && this.stream.isTTY === true) {
          this.stream.write(`\r\u001b[2K${formatProgress(event, this.phase, this.settings.clients, this.palette)}`);
          this.lineShown = true;
        }
        return;
      case 'protocol-done':
        this.clear();
        this.stream.write(`${formatProtocolLine(event.result, this.palette)}\n`);
        return;
      case 'loss-control-done':
        this.clear();
        this.stream.write(`${formatLossControlLine(event.result, this.palette)}\n`);
        return;
      case 'drop':
        this.clear();
        this.stream.write(`${formatDropLine(event.protocol, event.drop, this.palette)}\n`);
        return;
      case 'protocol-failed':
        this.clear();
        this.stream.write(`${this.palette.red('✗')} ${this.palette.bold(event.protocol)}: ${event.message}\n`);
        return;
      case 'done':
      case 'failed':
        this.clear();
        return;
      case 'start':
        return;
    }
  }

  /** Removes the status line, so ordinary output starts on a clean line. */
  clear(): void {
    if (!this.lineShown) return;
    this.stream.write('\r\u001b[2K');
    this.lineShown = false;
  }

  private phaseDuration(phase: Phase): number | null {
    switch (phase) {
      case 'warmup':
        return this.settings.warmupMs;
      case 'measuring':
        return this.settings.durationMs;
      case 'idle':
        return this.settings.idleMs;
      case 'capacity':
        return this.settings.capacityDurationMs;
      default:
        return null;
    }
  }
}
