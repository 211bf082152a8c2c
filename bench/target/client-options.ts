import { MarkerScanner } from '../../clients/codecs/marker.js';
import { TimestampReader } from '../../clients/codecs/timestamp-field.js';
import type { FeedClientOptions, ForeignFeed } from '../../clients/types.js';
import type { EndpointPlan, TargetPlan } from './preset.js';

/**
 * What a worker thread turns an endpoint of the plan into: the part of a client's options that
 * depends on the target. One marker scanner per thread serves every client (a scan is
 * synchronous and its results are read at once); `wirelab` endpoints need none.
 */
export function targetClientOptions(
  plan: TargetPlan,
  endpoint: EndpointPlan,
  scanner: MarkerScanner | undefined,
): Pick<FeedClientOptions, 'url' | 'protocol' | 'headers' | 'insecure' | 'foreign'> {
  const options: Pick<FeedClientOptions, 'url' | 'protocol' | 'headers' | 'insecure' | 'foreign'> = {
    url: endpoint.url,
    protocol: endpoint.protocol,
    headers: { ...plan.headers },
    insecure: plan.insecure,
  };
  if (endpoint.format === 'marker') {
    if (scanner === undefined) throw new TypeError(`endpoint ${endpoint.protocol} of preset ${plan.preset} needs a marker scanner`);
    options.foreign = foreignFeed(endpoint, scanner);
    if (plan.timestamp !== undefined) options.foreign.timestamp = new TimestampReader(plan.timestamp.path, plan.timestamp.clock);
  }
  return options;
}

function foreignFeed(endpoint: EndpointPlan, scanner: MarkerScanner): ForeignFeed {
  return {
    decoder: scanner,
    ...(endpoint.cursor === undefined ? {} : { cursor: endpoint.cursor }),
    ...(endpoint.drain === undefined ? {} : { drain: endpoint.drain }),
    ...(endpoint.socketio === undefined ? {} : { socketio: { namespace: endpoint.socketio.namespace } }),
    ...(endpoint.wsMessageIds === undefined ? {} : { wsMessageIds: { ...endpoint.wsMessageIds } }),
  };
}
