import { PROTOCOL_NAMES } from '../../../wire/protocols.js';
import { checkApplies, COMMON_OPTIONS, makePlan, targetUrl, type EndpointPlan, type Preset } from '../preset.js';

/**
 * wirelab's own server: today's behaviour. All four protocols at the server's own routes
 * (`/ws`, `/sse`, `/long-poll`, `/poll`), resumed by `since`/`epoch` and `Last-Event-ID`; with
 * a control token the harness steers the feed (rate, payload, drops), without one it measures
 * the feed as it runs.
 */
export const wirelabPreset: Preset = {
  name: 'wirelab',
  protocols: PROTOCOL_NAMES,
  requires: ['a wirelab server (npm run serve), with --control-token to steer its feed'],
  accepts: [...COMMON_OPTIONS, 'controlToken'],
  plan(input) {
    checkApplies(this, input);
    const target = targetUrl(input);
    const base = target.toString().replace(/^ws/, 'http').replace(/\/$/, '');
    const endpoints: EndpointPlan[] = PROTOCOL_NAMES.map((protocol) => ({
      protocol,
      url: base,
      format: 'wirelab',
      resume: protocol === 'sse' ? 'Last-Event-ID EPOCH:SEQ' : 'since/epoch cursor',
    }));
    return makePlan('wirelab', input, target, endpoints, {
      kind: 'feed',
      steered: input.controlToken !== undefined && input.controlToken !== '',
    });
  },
};
