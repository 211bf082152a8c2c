import type { ProtocolName } from '../../wire/protocols.js';
import type { InstanceStats } from '../target/fleet-control.js';
import type { InstanceFigures } from '../report/types.js';

/**
 * Each instance's part of a protocol's run (`--servers N`): its connections once every client
 * had connected (from `connected`), and its accepts, CPU and event-loop delay over the window
 * (from `window`, read after it; an instance killed in the window is missing there).
 */
export function instanceFigures(
  protocol: ProtocolName,
  connected: readonly InstanceStats[],
  window: readonly InstanceStats[],
): InstanceFigures[] {
  return connected.map(({ url, stats }) => {
    const after = window.find((entry) => entry.url === url)?.stats;
    const cpuMicros = after === undefined ? null : after.process.cpuUserMicros + after.process.cpuSystemMicros;
    const sinceMs = after?.process.sinceResetMs ?? 0;
    return {
      url,
      connections: stats.transports[protocol]?.connections ?? 0,
      acceptedInWindow: after?.transports[protocol]?.accepted ?? 0,
      cpuMicros,
      cpuPercent: cpuMicros === null || sinceMs <= 0 ? null : Math.round((cpuMicros / (sinceMs * 1000)) * 1000) / 10,
      rssBytes: (after ?? stats).process.rssBytes,
      eventLoopDelayP99Ms: after === undefined ? null : after.process.eventLoopDelayMs.p99,
    };
  });
}
