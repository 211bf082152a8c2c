import { parsePollCursor } from '../../../clients/poll-cursor.js';
import { PROTOCOL_NAMES } from '../../../wire/protocols.js';
import { OptionError } from '../../../wire/errors.js';
import {
  checkApplies,
  COMMON_OPTIONS,
  httpPublisherPlan,
  makePlan,
  protocolEndpointUrl,
  targetUrl,
  type EndpointPlan,
  type Preset,
} from '../preset.js';

const CHANNEL = /^[A-Za-z0-9_.~-]{1,128}$/;
const NCHAN_CURSOR = parsePollCursor('etag+last-modified');
const NCHAN_WS_IDS = Object.freeze({ subprotocol: 'ws+meta.nchan', param: 'last_event_id' });

/**
 * nginx with the nchan module. The harness publishes with `POST /pub/CHANNEL`; WebSocket,
 * EventSource and long-poll subscribe at `/sub/CHANNEL`, interval-poll at `/poll/CHANNEL` (nchan
 * cannot tell long-poll from interval-poll on one location). Every path can be moved with
 * --ws-url, --sse-url, --long-poll-url, --poll-url and --publish.
 *
 * Resume: SSE by `Last-Event-ID` (nchan's own ids); both polls walk the channel's buffer with
 * `If-None-Match` + `If-Modified-Since` from each answer's `Etag` + `Last-Modified`, and an
 * interval-poll client drains it (one message per answer) before waiting for its next tick.
 * WebSocket asks for nchan's `ws+meta.nchan` subprotocol, whose messages open with their id, and
 * resumes with `?last_event_id=` of the last one.
 */
export const nchanPreset: Preset = {
  name: 'nchan',
  protocols: PROTOCOL_NAMES,
  requires: [
    'nchan_publisher at /pub/CHANNEL (or --publish), answering 201/202',
    'nchan_subscriber websocket eventsource longpoll at /sub/CHANNEL (or --ws-url, --sse-url, --long-poll-url)',
    'nchan_subscriber intervalpoll at /poll/CHANNEL (or --poll-url)',
    'nchan_subscriber_first_message oldest (the default), so no subscriber misses a message published while its first long poll travels',
    'nchan_subscriber_timeout below --long-poll-timeout, or 0 with a client timeout above the longest quiet time',
  ],
  accepts: [...COMMON_OPTIONS, 'channel', 'urls', 'publish', 'publishHeaders', 'publishMethod', 'publishBody'],
  plan(input) {
    checkApplies(this, input);
    const target = targetUrl(input);
    const channel = input.channel;
    if (channel === undefined) throw new OptionError('--channel', 'is required with --preset nchan');
    if (!CHANNEL.test(channel))
      throw new OptionError('--channel', `must be 1 to 128 letters, digits, '_', '.', '~' or '-', got ${JSON.stringify(channel)}`);
    const paths = {
      ws: `/sub/${channel}`,
      sse: `/sub/${channel}`,
      'long-poll': `/sub/${channel}`,
      'short-poll': `/poll/${channel}`,
    } as const;
    const endpoints: EndpointPlan[] = PROTOCOL_NAMES.map((protocol) => {
      const url = protocolEndpointUrl(target, protocol, input.urls?.[protocol] ?? paths[protocol]);
      switch (protocol) {
        case 'ws':
          return { protocol, url, format: 'marker', resume: 'last_event_id (ws+meta.nchan message ids)', wsMessageIds: NCHAN_WS_IDS };
        case 'sse':
          return { protocol, url, format: 'marker', resume: 'Last-Event-ID' };
        case 'long-poll':
          return { protocol, url, format: 'marker', resume: 'If-None-Match + If-Modified-Since', cursor: NCHAN_CURSOR };
        case 'short-poll':
          return { protocol, url, format: 'marker', resume: 'If-None-Match + If-Modified-Since', cursor: NCHAN_CURSOR, drain: true };
      }
    });
    return makePlan('nchan', input, target, endpoints, httpPublisherPlan(input, target, `/pub/${channel}`));
  },
};
