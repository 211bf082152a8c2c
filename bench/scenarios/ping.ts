import { formatDurationMs } from '../report/format.js';
import { encodeHistogram, summarize } from '../report/histogram.js';
import { promisedThresholds } from './broadcast.js';
import { refuseDrops, type Scenario } from './scenario.js';

/**
 * Scenario `ping` (docs/scenarios/ping.md): besides receiving the feed, each client sends a
 * PING every `--ping-interval`; the result gets the round trip, corrected for coordinated
 * omission (and raw).
 */
export const ping: Scenario = Object.freeze<Scenario>({
  name: 'ping',
  summary: 'every client also sends a PING every --ping-interval',
  defaults: {},
  clientsPing: true,
  resolveDrops: (input) => refuseDrops(input),
  thresholds: promisedThresholds,
  dropPlan: () => [],
  header: (options) => [`PING every ${formatDurationMs(options.pingIntervalMs)}`],
  resultSection: ({ pingRaw, pingCorrected, pingCounts }) => ({
    ping: { corrected: summarize(pingCorrected), raw: summarize(pingRaw), ...pingCounts },
    histograms: { ping: encodeHistogram(pingCorrected) },
  }),
});
