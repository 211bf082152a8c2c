/**
 * `--repeat N`: the order protocols are measured in, and how the repetitions of each become one
 * result. The order is interleaved (ws, sse, long-poll, short-poll, ws, sse, …) so a machine
 * that drifts during the run (another process, thermal limits, a filling page cache) weighs on
 * every protocol alike instead of on the last one measured.
 */
import type { Variant } from '../wire/variants.js';
import { combineRepetitions } from './report/repetitions.js';
import type { ProtocolResult, RepetitionResult } from './report/types.js';

export interface PlannedStep {
  /** The column measured: a protocol, or one of its variants (wire/variants.ts). */
  column: Variant;
  /** 0-based. */
  repetition: number;
}

/** Every column once per round, `repeat` rounds. */
export function interleavedSteps(columns: readonly Variant[], repeat: number): PlannedStep[] {
  const steps: PlannedStep[] = [];
  for (let repetition = 0; repetition < repeat; repetition += 1) {
    for (const column of columns) steps.push({ column, repetition });
  }
  return steps;
}

/** The column a result belongs to: its variant's name, or its protocol for a plain one. */
function columnOf(result: ProtocolResult): string {
  return result.variant ?? result.protocol;
}

/**
 * Collects each column's repetitions as they finish and combines them in the columns' order; a
 * column with no finished repetition is left out (its failure is recorded apart).
 */
export class RepetitionCollector {
  private readonly byColumn = new Map<string, RepetitionResult[]>();

  add(result: ProtocolResult): void {
    const list = this.byColumn.get(columnOf(result)) ?? [];
    list.push(result);
    this.byColumn.set(columnOf(result), list);
  }

  /** Repetitions finished so far, over every protocol. */
  get count(): number {
    let total = 0;
    for (const list of this.byColumn.values()) total += list.length;
    return total;
  }

  combined(order: readonly Variant[]): ProtocolResult[] {
    return order.flatMap((column) => {
      const list = this.byColumn.get(column.name);
      return list === undefined || list.length === 0 ? [] : [combineRepetitions(list)];
    });
  }
}
