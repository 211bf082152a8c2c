import type { FastifyInstance } from 'fastify';
import { FEED_LIMITS, type FeedMode } from '../config.js';
import { WirelabError } from '../../wire/errors.js';
import { presentedToken, tokenMatches } from '../security.js';
import { TRANSPORT_NAMES, type TransportName } from '../stats.js';

const feedSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['mode'],
  properties: {
    mode: { enum: ['demo', 'bench', 'idle'] },
    rate: { type: 'integer', minimum: 0, maximum: FEED_LIMITS.maxRate },
    payload: { type: 'integer', minimum: 0, maximum: FEED_LIMITS.maxPayload },
  },
} as const;

const dropSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { transport: { enum: TRANSPORT_NAMES } },
} as const;

/**
 * The harness's control surface (docs/control.md): set the feed, drop connections, reset
 * counters. Absent unless the server was started with a control token; every call carries it.
 */
export default async function controlRoutes(app: FastifyInstance): Promise<void> {
  const context = app.wirelab;
  const { controlToken } = context.options;

  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/control/')) return;
    if (controlToken === undefined) throw new WirelabError('WL_CONTROL_DISABLED');
    if (!tokenMatches(presentedToken(request), controlToken)) throw new WirelabError('WL_CONTROL_UNAUTHORIZED');
  });

  app.post('/control/feed', { schema: { body: feedSchema } }, async (request) => {
    const body = request.body as { mode: FeedMode; rate?: number; payload?: number };
    const current = context.driver.settings;
    context.driver.apply({ mode: body.mode, rate: body.rate ?? current.rate, payload: body.payload ?? current.payload });
    const { mode, rate, payload } = context.driver.settings;
    return { feed: { head: context.feed.head, epoch: context.feed.epoch, mode, rate, payload } };
  });

  app.post('/control/drop', { schema: { body: dropSchema } }, async (request) => {
    const { transport } = (request.body ?? {}) as { transport?: TransportName };
    const names = transport === undefined ? TRANSPORT_NAMES : [transport];
    const dropped: Partial<Record<TransportName, number>> = {};
    for (const name of names) dropped[name] = context.transports.get(name)?.drop() ?? 0;
    return { dropped };
  });

  app.post('/control/reset-counters', async () => {
    context.stats.resetCounters();
    return { reset: true };
  });
}
