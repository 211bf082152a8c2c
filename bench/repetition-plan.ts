/**
 * `--repeat N`: the order protocols are measured in, and how the repetitions of each become one
 * result. The order is interleaved (ws, sse, long-poll, short-poll, ws, sse, …) so a machine
 * that drifts during the run (another process, thermal limits, a filling page cache) weighs on
 * every protocol alike instead of on the last one measured.
 */
import type { ProtocolName } from '../wire/protocols.js';
import { combineRepetitions } from './report/repetitions.js';
import type { ProtocolResult, RepetitionResult } from './report/types.js';

export interface PlannedStep {
  protocol: ProtocolName;
  /** 0-based. */
  repetition: number;
}

/** Every protocol once per round, `repeat` rounds. */
export function interleavedSteps(protocols: readonly ProtocolName[], repeat: number): PlannedStep[] {
  const steps: PlannedStep[] = [];
  for (let repetition = 0; repetition < repeat; repetition += 1) {
    for (const protocol of protocols) steps.push({ protocol, repetition });
  }
  return steps;
}

/**
 * Collects each protocol's repetitions as they finish and combines them in the protocols'
 * order; a protocol with no finished repetition is left out (its failure is recorded apart).
 */
export class RepetitionCollector {
  private readonly byProtocol = new Map<ProtocolName, RepetitionResult[]>();

  add(result: ProtocolResult): void {
    const list = this.byProtocol.get(result.protocol) ?? [];
    list.push(result);
    this.byProtocol.set(result.protocol, list);
  }

  /** Repetitions finished so far, over every protocol. */
  get count(): number {
    let total = 0;
    for (const list of this.byProtocol.values()) total += list.length;
    return total;
  }

  combined(order: readonly ProtocolName[]): ProtocolResult[] {
    return order.flatMap((protocol) => {
      const list = this.byProtocol.get(protocol);
      return list === undefined || list.length === 0 ? [] : [combineRepetitions(list)];
    });
  }
}
