import { PROTOCOL_NAMES, type ProtocolName } from '../../wire/protocols.js';
import { findMetric, METRICS, type MetricDefinition, type MetricUnit } from './metrics.js';
import { OptionError } from '../../wire/errors.js';
import type { ProtocolResult, ThresholdOutcome } from './types.js';

type Operator = '<' | '<=' | '>' | '>=' | '=';

export interface Threshold {
  readonly expression: string;
  readonly protocol: ProtocolName | '*';
  readonly metric: MetricDefinition;
  readonly operator: Operator;
  /** In the metric's stored unit (µs for times, bytes for sizes). */
  readonly limit: number;
}

const PATTERN = /^\s*([a-z*-]+)\.([A-Za-z0-9_.]+)\s*(<=|>=|<|>|=)\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zµ%]*)\s*$/i;

/** Per stored unit: the units a limit may be written in, as multipliers into the stored unit. */
const UNITS: Record<MetricUnit, Record<string, number>> = {
  // Times without a unit are milliseconds.
  us: { '': 1000, us: 1, µs: 1, ms: 1000, s: 1_000_000 },
  ms: { '': 1, us: 0.001, µs: 0.001, ms: 1, s: 1000 },
  bytes: { '': 1, b: 1, kb: 1000, mb: 1_000_000, kib: 1024, mib: 1024 * 1024 },
  percent: { '': 1, '%': 1 },
  count: { '': 1 },
  ratio: { '': 1 },
  'per-second': { '': 1 },
};

/**
 * `ws.latency.p99<50ms`, `*.connect.p99<500ms`, `sse.delivery.missed=0`,
 * `*.server.memoryPerConnection<1mb`. Times without a unit are milliseconds.
 */
export function parseThreshold(expression: string): Threshold {
  const match = PATTERN.exec(expression);
  if (match === null) {
    throw new OptionError('--threshold', `"${expression}" is not of the form PROTOCOL.METRIC<VALUE, e.g. ws.latency.p99<50ms`);
  }
  const [, protocolText = '', metricKey = '', operator = '<', valueText = '0', unitText = ''] = match;
  if (protocolText !== '*' && !PROTOCOL_NAMES.includes(protocolText as ProtocolName)) {
    throw new OptionError('--threshold', `"${expression}": unknown protocol "${protocolText}"; use ${PROTOCOL_NAMES.join(', ')} or *`);
  }
  const metric = findMetric(metricKey);
  if (metric === undefined) {
    const near = METRICS.filter((m) => m.key.startsWith(metricKey.split('.')[0] ?? '')).map((m) => m.key);
    throw new OptionError(
      '--threshold',
      `"${expression}": unknown metric "${metricKey}"${near.length > 0 ? `; try ${near.slice(0, 6).join(', ')}` : ''}`,
    );
  }
  const unit = unitText.toLowerCase();
  const multiplier = UNITS[metric.unit][unit];
  if (multiplier === undefined) {
    throw new OptionError('--threshold', `"${expression}": unit "${unitText}" does not fit ${metric.key} (${metric.unit})`);
  }
  return {
    expression,
    protocol: protocolText as ProtocolName | '*',
    metric,
    operator: operator as Operator,
    limit: Number(valueText) * multiplier,
  };
}

function holds(actual: number, operator: Operator, limit: number): boolean {
  switch (operator) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
    case '=':
      return actual === limit;
  }
}

/**
 * Checks each threshold against each protocol it names. A protocol that did not run, or a
 * metric it did not produce (no PING in a broadcast run), is not judged; typos in protocol
 * or metric names are refused earlier, by parseThreshold.
 */
export function evaluateThresholds(expressions: readonly string[], results: readonly ProtocolResult[]): ThresholdOutcome[] {
  const outcomes: ThresholdOutcome[] = [];
  for (const expression of expressions) {
    const threshold = parseThreshold(expression);
    const targets = results.filter((r) => threshold.protocol === '*' || r.protocol === threshold.protocol);
    for (const result of targets) {
      const actual = threshold.metric.get(result);
      if (actual === null) continue;
      outcomes.push({
        expression,
        protocol: result.protocol,
        ...(result.variant === undefined ? {} : { variant: result.variant }),
        metric: threshold.metric.key,
        actual,
        limit: threshold.limit,
        passed: holds(actual, threshold.operator, threshold.limit),
      });
    }
  }
  return outcomes;
}
