import type { FastifyInstance } from 'fastify';

/** Placeholder: not built yet. */
export default async function plugin(_app: FastifyInstance): Promise<void> {}
