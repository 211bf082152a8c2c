import { OptionError } from '../../../wire/errors.js';
import { checkApplies, COMMON_OPTIONS, endpointUrl, makePlan, targetUrl, type EndpointPlan, type Preset } from '../preset.js';

const EVENT = /^[^\0\r\n]{1,128}$/;
const NAMESPACE = /^\/[A-Za-z0-9_.~/-]*$/;

/**
 * A Socket.IO v4 server (Engine.IO 4), over its WebSocket transport and its HTTP long-polling
 * transport, at the target's path (`/socket.io/` when it has none). The harness publishes by
 * emitting --event (default `feed`) from one publisher connection, asking for an
 * acknowledgement; the server must relay the event to every other client and acknowledge it.
 * No resume: a reconnect is a new session (Socket.IO's connection state recovery is not used).
 */
export const socketioPreset: Preset = {
  name: 'socketio',
  protocols: ['ws', 'long-poll'],
  requires: [
    'Socket.IO v4 (Engine.IO protocol 4) with the websocket and polling transports',
    'a handler that relays --event to every other client and calls the acknowledgement: socket.on(event, (data, ack) => { socket.broadcast.emit(event, data); ack?.(); })',
  ],
  accepts: [...COMMON_OPTIONS, 'event', 'namespace'],
  plan(input) {
    checkApplies(this, input);
    const target = targetUrl(input);
    const event = input.event ?? 'feed';
    if (!EVENT.test(event))
      throw new OptionError('--event', `must be 1 to 128 characters without CR, LF or NUL, got ${JSON.stringify(event)}`);
    const namespace = input.namespace ?? '/';
    if (!NAMESPACE.test(namespace)) throw new OptionError('--namespace', `must start with '/', got ${JSON.stringify(namespace)}`);
    const path = target.pathname === '/' ? '/socket.io/' : target.pathname;
    const at = `${path}${target.search}`;
    const socketio = { namespace };
    const endpoints: EndpointPlan[] = [
      {
        protocol: 'ws',
        url: endpointUrl(target, at, 'ws', '--target'),
        format: 'marker',
        resume: 'none (a new Socket.IO session)',
        socketio,
      },
      {
        protocol: 'long-poll',
        url: endpointUrl(target, at, 'http', '--target'),
        format: 'marker',
        resume: 'none (a new Socket.IO session)',
        socketio,
      },
    ];
    return makePlan('socketio', input, target, endpoints, {
      kind: 'socketio',
      url: endpointUrl(target, at, 'http', '--target'),
      event,
      namespace,
      headers: { ...input.headers },
    });
  },
};
