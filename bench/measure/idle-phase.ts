import { PROTOCOLS, type ProtocolName } from '../../wire/protocols.js';

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
