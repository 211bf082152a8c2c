import { TIMINGS } from '../../wire/timings.js';
import { NO_SECTION, refuseDrops, type Scenario } from './scenario.js';

/**
 * Scenario `hold`'s own defaults: a quiet feed (one update a second for a 5 s window proves
 * delivery), then the feed idle for one full long-poll hold and 5 s more, so a held long poll
 * comes back empty and is asked again at least once: the idle cost includes every
 * protocol's keep-alive (heartbeats, SSE comments, long-poll re-requests, short polls). No
 * polling-capacity phase.
 */
export const HOLD_DEFAULTS = Object.freeze({
  rate: 1,
  durationMs: 5_000,
  warmupMs: 1_000,
  idleMs: TIMINGS.longPollHoldMs + 5_000,
  capacityDurationMs: 0,
});

/**
 * Scenario `hold` (docs/scenarios/hold.md): many idle connections per protocol; what each
 * costs the server in memory (RSS and heap after a full GC, against the empty server), how
 * many fit in a gigabyte, and the bytes an idle connection moves per minute. The run's steps
 * are bench/measure/hold-run.ts.
 */
export const hold: Scenario = Object.freeze<Scenario>({
  name: 'hold',
  summary: 'many idle connections: server memory per connection, connections per GB, idle bytes',
  defaults: HOLD_DEFAULTS,
  clientsPing: false,
  resolveDrops: (input) => refuseDrops(input),
  thresholds: () => ['*.connect.p99<500ms', '*.delivery.missed=0', '*.server.memoryPerConnection<1mb'],
  dropPlan: () => [],
  header: () => ['hold: memory after a full GC against the empty server, idle cost over one long-poll hold or more'],
  resultSection: () => NO_SECTION,
});
