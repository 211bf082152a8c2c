import { needsProxy, type NetworkSettings } from '../../netem/options.js';
import { startProxy, type RunningProxy } from '../../netem/proxy.js';
import type { EndpointPlan } from './preset.js';
import { TargetError } from './control-client.js';

/**
 * The fault proxy (`--net-latency`, `--net-jitter`, `--net-bandwidth`, `--net-reset-every`) in
 * front of one endpoint of a foreign target: it forwards to the endpoint's host and port, and
 * the endpoint's clients connect to it instead (TLS passes through untouched). The harness's
 * publisher still goes straight to the server: the faults are on the subscribers' link only.
 * Undefined when the faults need no proxy.
 */
export async function proxyInFront(
  network: Readonly<NetworkSettings> | null,
  endpoint: EndpointPlan,
): Promise<{ proxy: RunningProxy; endpoint: EndpointPlan } | undefined> {
  if (network === null || !needsProxy(network)) return undefined;
  const url = new URL(endpoint.url);
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let proxy: RunningProxy;
  try {
    // Resets are the harness's to time (from the window start), so the proxy gets no period of its own.
    proxy = await startProxy({
      target: { host, port },
      latencyMs: network.latencyMs,
      jitterMs: network.jitterMs,
      ...(network.bandwidthBitsPerSecond === null ? {} : { bandwidthBitsPerSecond: network.bandwidthBitsPerSecond }),
      bandwidthScope: network.bandwidthScope,
    });
  } catch (error) {
    throw new TargetError(`the fault proxy could not start: ${(error as Error).message}`);
  }
  return { proxy, endpoint: { ...endpoint, url: proxy.url(endpoint.url) } };
}
