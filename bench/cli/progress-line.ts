import { formatCount, formatDurationMs, formatMetric } from '../report/format.js';
import type { Palette } from './palette.js';
import { formatLossControlLine } from './loss-print.js';
import { formatDropLine, formatProtocolLine } from './print.js';
import { evaluateThresholds } from '../report/thresholds.js';
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
  const clock = phaseClock(point.t, phase);
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
 * `4s/10s`: whole seconds into the phase, never past its planned length (the phase ends a
 * moment after its last tick, which would read `3s/2s`); `4s` for a phase without one.
 */
export function phaseClock(t: number, phase: { startedAt: number; durationMs: number | null }): string {
  const elapsed = Math.round(Math.max(0, t - phase.startedAt) / 1000) * 1000;
  if (phase.durationMs === null) return formatDurationMs(elapsed);
  return `${formatDurationMs(Math.min(elapsed, phase.durationMs))}/${formatDurationMs(phase.durationMs)}`;
}

/** The line of a phase before its first tick (connecting, capacity): `short-poll  capacity 0s/3s`. */
export function formatPhaseLine(
  protocol: ProtocolName,
  phase: { phase: Phase; startedAt: number; durationMs: number | null },
  connected: number | null,
  clients: number,
  c: Palette,
): string {
  const parts = [c.bold(protocol.padEnd(10)), `${phase.phase} ${phaseClock(phase.startedAt, phase)}`.padEnd(20)];
  if (connected !== null) parts.push(`${formatCount(connected)}/${formatCount(clients)} connected`);
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
  /** Clients connected by the last tick of this protocol: a phase line shows it until the next tick. */
  private connected: number | null = null;

  constructor(
    private readonly stream: ProgressStream,
    private readonly palette: Palette,
    private readonly settings: {
      clients: number;
      durationMs: number;
      warmupMs: number;
      idleMs: number;
      capacityDurationMs: number;
      showLine: boolean;
      thresholds?: readonly string[];
    },
  ) {}

  handle(event: ProgressEvent): void {
    switch (event.type) {
      case 'phase':
        if (event.protocol !== this.phase.protocol) this.connected = null;
        this.phase = {
          protocol: event.protocol,
          phase: event.phase,
          startedAt: event.t,
          durationMs: event.durationMs ?? this.phaseDuration(event.phase),
        };
        // Phases without ticks (connecting before the first second, capacity after the clients closed) show at once.
        if (event.phase !== 'done')
          this.draw(
            formatPhaseLine(
              event.protocol,
              this.phase,
              event.phase === 'capacity' ? null : this.connected,
              this.settings.clients,
              this.palette,
            ),
          );
        return;
      case 'tick':
        this.connected = event.point.connected;
        this.draw(formatProgress(event, this.phase, this.settings.clients, this.palette));
        return;
      case 'protocol-done': {
        this.clear();
        // The line says ✗ when a threshold of this protocol failed, as the table's footnotes will.
        const failed = evaluateThresholds(this.settings.thresholds ?? [], [event.result]).filter((t) => !t.passed);
        this.stream.write(`${formatProtocolLine(event.result, this.palette, failed)}\n`);
        return;
      }
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

  private draw(line: string): void {
    if (!this.settings.showLine || this.stream.isTTY !== true) return;
    this.stream.write(`\r\u001b[2K${line}`);
    this.lineShown = true;
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
