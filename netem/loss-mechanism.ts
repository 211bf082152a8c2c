/**
 * How a lossy link loses packets, whichever way it does it: netem qdiscs (netem-loss.ts) or
 * nftables random drops (nft-loss.ts). The link (netns.ts) asks the mechanism, not its name.
 */
import { WirelabError } from '../wire/errors.js';
import type { QdiscCounters } from './qdisc-stats.js';

export type LossMechanism = 'netem' | 'nftables';

/** How results and headers name each mechanism: `loss: 2% (nftables numgen)`. */
export const LOSS_MECHANISM_LABELS: Readonly<Record<LossMechanism, string>> = Object.freeze({
  netem: 'netem',
  nftables: 'nftables numgen',
});

/** The two ends of the veth pair a mechanism works on. */
export interface LinkEnds {
  readonly nsName: string;
  readonly hostInterface: string;
  readonly nsInterface: string;
}

/** Packets each way: `sentPackets` crossed the link, `droppedPackets` were lost on it. */
export interface LinkLossCounters {
  hostToNs: QdiscCounters;
  nsToHost: QdiscCounters;
}

/** Loss on both directions of one link, installed, changed and removed by the link. */
export interface LinkLoss {
  readonly mechanism: LossMechanism;
  /** Puts the loss on both ends; a failure names the step in its message. */
  install(lossPercent: number): Promise<void>;
  /** Changes the loss in place, without touching connections (a control run at 0%, then the lossy one). */
  set(lossPercent: number): Promise<void>;
  /** Counters since `install`. */
  counters(): Promise<LinkLossCounters>;
  /** Removes what `install` made outside the namespace (the namespace takes the rest with it). */
  remove(): Promise<void>;
  /** The same for a process `exit` handler: synchronous, never throws. */
  removeSync(): void;
}

/** A step of setting up or changing the loss failed (WL_NETNS): `step` names it, the message is the tool's. */
export class LinkStepError extends WirelabError {
  constructor(
    readonly step: string,
    cause: unknown,
  ) {
    super('WL_NETNS', cause instanceof Error ? cause.message : String(cause));
    this.name = 'LinkStepError';
    this.cause = cause;
  }
}

/** Runs one step, turning a failure into a LinkStepError naming it. */
export async function runStep<T>(step: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new LinkStepError(step, error);
  }
}

/** Loss percent in [0, 100), or a RangeError naming the value. */
export function checkLossPercent(lossPercent: number): number {
  if (!(lossPercent >= 0 && lossPercent < 100)) throw new RangeError(`lossPercent must be in [0, 100), got ${lossPercent}`);
  return lossPercent;
}
