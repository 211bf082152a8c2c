import { PROTOCOLS, type ProtocolName } from '../../wire/protocols.js';
import type { WorkerCounters } from '../workers/worker-protocol.js';
import { sumCounters } from './counters.js';
import type { PhaseClock } from './phase-clock.js';

/**
 * How long the idle phase lasts for a protocol. Long polling costs nothing while a hold is
 * open and a request and an empty answer each time one ends, so an idle phase shorter than the
 * hold (2 s against 25 s by default) would measure no request at all and report its idle cost
 * as 0: for a protocol that holds requests, the phase lasts at least one hold. `idleMs` 0 skips
 * the phase for every protocol.
 */
export function idlePhaseMs(protocol: ProtocolName, idleMs: number, longPollTimeoutMs: number): number {
  if (idleMs <= 0) return 0;
  const descriptor = PROTOCOLS[protocol];
  const holdsRequests = descriptor.polled && !descriptor.onInterval;
  return holdsRequests ? Math.max(idleMs, longPollTimeoutMs) : idleMs;
}

/**
 * The idle phase after the window: the feed quiet, the clients connected; their counters read
 * before and after, so what they cost while nothing happens is the difference.
 */
export async function measureIdle(
  protocol: ProtocolName,
  options: { readonly idleMs: number; readonly longPollTimeoutMs: number },
  pool: { sample(): Promise<ReadonlyArray<{ readonly counters: WorkerCounters }>> },
  phases: PhaseClock,
): Promise<{ idleMs: number; idleBefore: WorkerCounters; idleAfter: WorkerCounters }> {
  const idleMs = idlePhaseMs(protocol, options.idleMs, options.longPollTimeoutMs);
  phases.set('idle', idleMs);
  const idleBefore = sumCounters((await pool.sample()).map((reply) => reply.counters));
  await phases.wait(idleMs);
  const idleAfter = sumCounters((await pool.sample()).map((reply) => reply.counters));
  return { idleMs, idleBefore, idleAfter };
}
