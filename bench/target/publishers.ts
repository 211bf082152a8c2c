import { HttpPublishTransport } from './publish-http.js';
import { SocketIoPublishTransport } from './publish-socketio.js';
import type { PublishTransport } from './publish-transport.js';
import type { TargetPlan } from './preset.js';

/**
 * The transport the plan publishes through, or undefined when the harness does not publish
 * (wirelab's own feed, a receive-only run). `maxInFlight` bounds the HTTP keep-alive sockets.
 */
export function createPublishTransport(
  plan: TargetPlan,
  options: { maxInFlight?: number; timeoutMs?: number } = {},
): PublishTransport | undefined {
  const publisher = plan.publisher;
  switch (publisher.kind) {
    case 'http':
      return new HttpPublishTransport({
        url: publisher.url,
        method: publisher.method,
        headers: publisher.headers,
        insecure: plan.insecure,
        maxSockets: options.maxInFlight ?? 1,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      });
    case 'socketio':
      return new SocketIoPublishTransport({
        url: publisher.url,
        event: publisher.event,
        namespace: publisher.namespace,
        headers: publisher.headers,
        insecure: plan.insecure,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      });
    case 'feed':
    case 'none':
      return undefined;
  }
}
