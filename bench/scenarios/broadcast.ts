import { PROTOCOL_NAMES, PROTOCOLS } from '../../wire/protocols.js';
import { NO_SECTION, refuseDrops, type Scenario } from './scenario.js';

/**
 * The seeds' promises as thresholds: connect p99 < 500 ms, latency p99 < 100 ms, memory per
 * connection < 1 MB. A protocol polled on an interval (short polling) has its delivery latency
 * bounded by that interval by design, so its latency promise is one interval plus the 100 ms
 * the others get.
 */
export function promisedThresholds(pollIntervalMs: number): string[] {
  return [
    '*.connect.p99<500ms',
    ...PROTOCOL_NAMES.map((name) => `${name}.latency.p99<${PROTOCOLS[name].onInterval ? pollIntervalMs + 100 : 100}ms`),
    '*.server.memoryPerConnection<1mb',
  ];
}

/** Scenario `broadcast` (docs/scenarios/broadcast.md): every client listens to the feed; nothing else happens. */
export const broadcast: Scenario = Object.freeze<Scenario>({
  name: 'broadcast',
  summary: 'every client receives the feed',
  defaults: {},
  clientsPing: false,
  resolveDrops: (input) => refuseDrops(input),
  thresholds: promisedThresholds,
  dropPlan: () => [],
  header: () => [],
  resultSection: () => NO_SECTION,
});
