import autocannon from 'autocannon';
import { PROTOCOLS, type ProtocolName } from '../../wire/protocols.js';
import type { CapacityFigures } from '../report/types.js';

/**
 * Request capacity of a polled protocol's endpoint: autocannon keeps `connections` keep-alive
 * connections busy for `durationMs` with requests that are answered at once (the cursor is
 * one update behind the head, so long polling is not held either).
 */
export async function measurePollingCapacity(
  baseUrl: string,
  protocol: ProtocolName,
  cursor: { head: number; epoch: string },
  connections: number,
  durationMs: number,
): Promise<CapacityFigures> {
  const { path } = PROTOCOLS[protocol];
  const since = Math.max(0, cursor.head - 1);
  const result = await autocannon({
    url: `${baseUrl}${path}?since=${since}&epoch=${cursor.epoch}`,
    connections,
    duration: durationMs / 1000,
    timeout: 10,
  });
  if (result.non2xx > 0 && result.non2xx === result.requests.total) {
    throw new Error(`every capacity request to ${path} failed (${result.non2xx} non-2xx answers)`);
  }
  return {
    requestsPerSecond: Math.round(result.requests.average),
    latencyP99Ms: result.latency.p99,
    durationMs,
    connections,
  };
}
