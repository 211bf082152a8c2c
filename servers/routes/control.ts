import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FEED_LIMITS, type FeedMode } from '../config.js';
import { WirelabError } from '../../wire/errors.js';
import { bearerToken, tokenMatches } from '../security.js';
import { TRANSPORT_NAMES, type TransportName } from '../stats.js';

const feedSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['mode'],
  properties: {
    mode: { enum: ['demo', 'bench', 'idle'] },
    rate: { type: 'integer', minimum: 0, maximum: FEED_LIMITS.maxRate },
    payload: { type: 'integer', minimum: 0, maximum: FEED_LIMITS.maxPayload },
    count: { type: 'integer', minimum: 0, maximum: FEED_LIMITS.maxCount },
    finish: { type: 'boolean' },
  },
} as const;

/** How long `finish` waits for a counted feed: the harness's drain is bounded the same way. */
const FINISH_TIMEOUT_MS = 30_000;

const dropSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { transport: { enum: TRANSPORT_NAMES } },
} as const;

const resetSchema = { type: 'object', additionalProperties: false, properties: {} } as const;

/** Tells the server-wide access check that these routes are authorised here, with the control token. */
const controlRoute = { config: { access: 'control' } } as const;

/** Drop and reset take no required member: a call without a body means `{}`. */
const emptyBodyIsEmptyObject = {
  preValidation: async (request: FastifyRequest) => {
    request.body ??= {};
  },
};

/**
 * The harness's control surface (docs/control.md): set the feed, drop connections, reset
 * counters. Refused with 404 WL_CONTROL_DISABLED unless the server was started with a control
 * token; every call carries it as a Bearer header. Bodies are checked whole: an unknown member
 * or a member of the wrong type is refused, never dropped or converted.
 */
export default async function controlRoutes(app: FastifyInstance): Promise<void> {
  const context = app.wirelab;
  const { controlToken } = context.options;

  // This plugin is encapsulated, so the hook runs for exactly its routes, however the URL that
  // reached them was spelled (percent-encoded, absolute-form). The token is taken from the
  // Authorization header only: a token in the URL would end up in logs.
  app.addHook('onRequest', async (request) => {
    if (controlToken === undefined) throw new WirelabError('WL_CONTROL_DISABLED');
    if (!tokenMatches(bearerToken(request), controlToken)) throw new WirelabError('WL_CONTROL_UNAUTHORIZED');
  });

  app.post('/control/feed', { ...controlRoute, schema: { body: feedSchema } }, async (request) => {
    const body = request.body as { mode: FeedMode; rate?: number; payload?: number; count?: number; finish?: boolean };
    if (body.count !== undefined && body.mode !== 'bench')
      throw new WirelabError('WL_BAD_BODY', `count applies to mode bench, not ${body.mode}`);
    // `finish`: a counted bench feed publishes the rest of its count before the change, so a fence lands after exactly `count` updates.
    if (body.finish === true && !(await context.driver.finished(FINISH_TIMEOUT_MS))) {
      throw new WirelabError('WL_FEED_BEHIND', FINISH_TIMEOUT_MS);
    }
    const current = context.driver.settings;
    await context.driver.apply({
      mode: body.mode,
      rate: body.rate ?? current.rate,
      payload: body.payload ?? current.payload,
      ...(body.count === undefined ? {} : { count: body.count }),
    });
    const { mode, rate, payload } = context.driver.settings;
    return { feed: { head: context.feed.head, epoch: context.feed.epoch, mode, rate, payload } };
  });

  app.post('/control/drop', { ...controlRoute, ...emptyBodyIsEmptyObject, schema: { body: dropSchema } }, async (request) => {
    const { transport } = request.body as { transport?: TransportName };
    const names = transport === undefined ? TRANSPORT_NAMES : [transport];
    const dropped: Partial<Record<TransportName, number>> = {};
    for (const name of names) dropped[name] = context.transports.get(name)?.drop() ?? 0;
    return { dropped };
  });

  // Scenario hold: memory per connection is read after a full collection, so garbage does not
  // count as cost. `gc` is false when the process was started without --expose-gc.
  app.post('/control/gc', { ...controlRoute, ...emptyBodyIsEmptyObject, schema: { body: resetSchema } }, async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const memory = process.memoryUsage();
    return { gc: gc !== undefined, rssBytes: memory.rss, heapUsedBytes: memory.heapUsed };
  });

  app.post('/control/reset-counters', { ...controlRoute, ...emptyBodyIsEmptyObject, schema: { body: resetSchema } }, async () => {
    context.stats.resetCounters();
    return { reset: true };
  });
}
