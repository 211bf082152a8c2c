import { NO_CURSOR, parsePollCursor, type PollCursor } from '../../../clients/poll-cursor.js';
import { PROTOCOL_NAMES } from '../../../wire/protocols.js';
import { OptionError } from '../../../wire/errors.js';
import {
  checkApplies,
  COMMON_OPTIONS,
  httpPublisherPlan,
  makePlan,
  protocolEndpointUrl,
  targetUrl,
  timestampPlan,
  type EndpointPlan,
  type Preset,
} from '../preset.js';

/**
 * Any server: the protocols run are those whose URL is given (--ws-url, --sse-url,
 * --long-poll-url, --poll-url). The harness publishes with --publish (a POST of the marked
 * message, or of --publish-body around it); without --publish the run is receive-only. SSE
 * resumes spec-exact with `Last-Event-ID`; polling follows --poll-cursor; WebSocket has no
 * resume a server would share.
 */
export const genericPreset: Preset = {
  name: 'generic',
  protocols: PROTOCOL_NAMES,
  requires: [
    'the endpoints given; each message must carry the published body, in any envelope that keeps its ASCII text',
    'for polling, an answer that carries the messages after the position --poll-cursor passes (304/204/408 or a 200 without messages when nothing is new)',
  ],
  accepts: [
    ...COMMON_OPTIONS,
    'urls',
    'publish',
    'publishHeaders',
    'publishMethod',
    'publishBody',
    'pollCursor',
    'pollDrain',
    'timestampField',
    'timestampClock',
  ],
  plan(input) {
    checkApplies(this, input);
    const target = targetUrl(input);
    let cursor: PollCursor = NO_CURSOR;
    if (input.pollCursor !== undefined) {
      try {
        cursor = parsePollCursor(input.pollCursor);
      } catch (error) {
        throw new OptionError('--poll-cursor', (error as Error).message);
      }
    }
    const resume =
      cursor.kind === 'none'
        ? 'none'
        : cursor.kind === 'query'
          ? `query ${cursor.param}`
          : [cursor.etag ? 'If-None-Match' : '', cursor.lastModified ? 'If-Modified-Since' : ''].filter((part) => part !== '').join(' + ');
    const endpoints: EndpointPlan[] = [];
    for (const protocol of PROTOCOL_NAMES) {
      const given = input.urls?.[protocol];
      if (given === undefined) continue;
      const url = protocolEndpointUrl(target, protocol, given);
      if (protocol === 'ws') endpoints.push({ protocol, url, format: 'marker', resume: 'none' });
      else if (protocol === 'sse') endpoints.push({ protocol, url, format: 'marker', resume: 'Last-Event-ID' });
      else
        endpoints.push({
          protocol,
          url,
          format: 'marker',
          resume,
          cursor,
          ...(protocol === 'short-poll' && input.pollDrain === true ? { drain: true } : {}),
        });
    }
    if (endpoints.length === 0)
      throw new OptionError('--ws-url/--sse-url/--long-poll-url/--poll-url', 'give at least one with --preset generic');
    const publisher = httpPublisherPlan(input, target);
    const timestamp = timestampPlan(input, publisher);
    const plan = makePlan('generic', input, target, endpoints, publisher);
    if (timestamp === undefined) return plan;
    return { ...plan, timestamp, summary: `${plan.summary}; latency from the server's own ${timestamp.field} (${timestamp.clock})` };
  },
};
