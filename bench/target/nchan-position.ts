import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { EndpointPlan, TargetPlan } from './preset.js';

/** How long the channel-info request may take before the endpoint is used as it is. */
const INFO_TIMEOUT_MS = 5_000;

/**
 * nchan: new subscribers start after the channel's newest message. With
 * `nchan_subscriber_first_message oldest` (nchan's default, which the preset needs) every new
 * long-poll and interval-poll subscriber would first walk what the channel still buffers, one
 * request per message: 1000 clients behind a channel holding an earlier protocol's 100 messages
 * fell seconds behind. The publisher location answers a GET with the channel's
 * `last_message_id`, and nchan reads `last_event_id` from the query when a request carries no
 * other position (`nchan_subscriber_last_message_id`), so the endpoint gets it in its URL.
 * A channel with no message yet, or an answer without the id, leaves the endpoint as it is.
 */
export async function startAtNewest(plan: TargetPlan, endpoint: EndpointPlan): Promise<EndpointPlan> {
  if (plan.preset !== 'nchan' || plan.publisher.kind !== 'http') return endpoint;
  const id = await lastMessageId(plan.publisher.url, plan.headers, plan.insecure).catch(() => undefined);
  if (id === undefined) return endpoint;
  const url = new URL(endpoint.url);
  url.searchParams.set('last_event_id', id);
  return { ...endpoint, url: url.toString() };
}

function lastMessageId(publishUrl: string, headers: Readonly<Record<string, string>>, insecure: boolean): Promise<string | undefined> {
  const url = new URL(publishUrl);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers: { ...headers, accept: 'application/json' },
        timeout: INFO_TIMEOUT_MS,
        ...(url.protocol === 'https:' ? { rejectUnauthorized: !insecure } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < 4096) body += chunk;
        });
        res.on('end', () => {
          if (res.statusCode !== 200) return resolve(undefined);
          try {
            const id = (JSON.parse(body) as { last_message_id?: unknown }).last_message_id;
            resolve(typeof id === 'string' && /^\d+:[\d,\[\]-]+$/.test(id) && !id.startsWith('0:') ? id : undefined);
          } catch {
            resolve(undefined);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
