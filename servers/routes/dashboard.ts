import { existsSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { WirelabError, errorBody } from '../../wire/errors.js';
import { RESULT_SCHEMA, type RunListing } from '../../wire/result-schema.js';

/**
 * A run id as it may appear in `/api/results/:id`: the file name without `.json`. Letters,
 * digits, `.`, `_`, `-`; no slash, no leading dot, so it can never leave the results folder.
 */
export const RESULT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Result files larger than this are listed with an error instead of being read. */
const MAX_RESULT_BYTES = 64 * 1024 * 1024;
/** At most this many `.json` files are looked at, newest first. */
const MAX_LISTED = 500;

const NOT_BUILT = 'dashboard not built: run npm run build:dashboard';

export interface DashboardRoutesOptions {
  /** Folder of the built dashboard (vite's output); relative paths are taken from the cwd. */
  readonly dashboardDir: string;
  /** Folder of `results/*.json`; relative paths are taken from the cwd. */
  readonly resultsDir: string;
  /** What `GET /api/info` answers: tells the page who serves it (`live: true` on the bench's live server). */
  readonly info: () => Record<string, unknown>;
}

/**
 * The dashboard's routes: the built Vite app at `/` (static files via @fastify/static), the
 * results API (`GET /api/results`, `GET /api/results/:id`) and `GET /api/info`. Registered by
 * the feed server (default export) and by the bench's live server (bench/live/live-server.ts).
 */
export async function registerDashboardRoutes(app: FastifyInstance, options: DashboardRoutesOptions): Promise<void> {
  const dashboardDir = path.resolve(options.dashboardDir);
  const resultsDir = path.resolve(options.resultsDir);
  const listingCache = new Map<string, { mtimeMs: number; size: number; listing: RunListing }>();

  // The page and its files, in a context of their own whose every route is public: a browser
  // loads the page before it can hold a token. The decision is made on the route the router
  // matched, never on the URL's spelling.
  await app.register(async (files) => {
    files.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: 'public' };
    });
    await files.register(fastifyStatic, {
      root: dashboardDir,
      prefix: '/',
      // `/` is answered below, so a missing build gets a clear message instead of a bare 404.
      index: false,
      wildcard: true,
      // Vite puts a content hash in every asset name: they can be cached for good.
      cacheControl: false,
      setHeaders: (response, filePath) => {
        const hashed = filePath.startsWith(path.join(dashboardDir, 'assets') + path.sep);
        response.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });

    const sendIndex = (reply: FastifyReply, accept: string | undefined) => {
      if (existsSync(path.join(dashboardDir, 'index.html'))) {
        return reply.header('cache-control', 'no-cache').sendFile('index.html');
      }
      const body = { error: { code: 'WL_NOT_FOUND', message: `${NOT_BUILT} (looked in ${dashboardDir})` } };
      if (accept?.includes('text/html')) {
        return reply
          .code(404)
          .type('text/html; charset=utf-8')
          .send(
            `<!doctype html><meta charset="utf-8"><title>wirelab: dashboard not built</title>` +
              `<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;line-height:1.5">` +
              `<h1>Dashboard not built</h1><p>Run <code>npm run build:dashboard</code> (or <code>npm start</code>, which builds it), then reload.</p>` +
              `<p>The feed endpoints work without it: <code>/ws</code>, <code>/sse</code>, <code>/long-poll</code>, <code>/poll</code>.</p>` +
              `<p style="color:#666">Looked in ${escapeHtml(dashboardDir)}</p></body>`,
          );
      }
      return reply.code(404).type('application/json').send(body);
    };
    files.get('/', (request, reply) => sendIndex(reply, request.headers.accept));
    files.get('/index.html', (request, reply) => sendIndex(reply, request.headers.accept));
  });

  app.get('/api/info', async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
    return options.info();
  });

  app.get('/api/results', async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
    return { runs: await listRuns(resultsDir, listingCache) };
  });

  app.get<{ Params: { id: string } }>('/api/results/:id', async (request, reply) => {
    const id = request.params.id;
    if (!RESULT_ID_PATTERN.test(id) || id.includes('..')) {
      throw new WirelabError(
        'WL_BAD_QUERY',
        `result id must be 1 to 128 characters of [A-Za-z0-9._-] not starting with a dot, got ${JSON.stringify(id.slice(0, 140))}`,
      );
    }
    const file = path.join(resultsDir, `${id}.json`);
    let text: string;
    try {
      text = await readLimited(file, MAX_RESULT_BYTES);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        const notFound = new WirelabError('WL_NOT_FOUND', 'GET', request.url);
        notFound.message = `no result ${JSON.stringify(id)} in ${options.resultsDir}`;
        throw notFound;
      }
      throw new WirelabError('WL_INTERNAL', `cannot read result ${id}: ${(error as Error).message}`);
    }
    const problem = resultProblem(text);
    if (problem !== undefined) throw new WirelabError('WL_INTERNAL', `result file ${id}.json: ${problem}`);
    return reply.header('cache-control', 'no-store').type('application/json; charset=utf-8').send(text);
  });
}

/** The feed server's registration: folders from the server options, `live: false`. */
export default async function dashboardPlugin(app: FastifyInstance): Promise<void> {
  const { options, feed, driver } = app.wirelab;
  await registerDashboardRoutes(app, {
    dashboardDir: options.dashboardDir,
    resultsDir: options.resultsDir,
    info: () => ({
      service: 'wirelab-server',
      live: false,
      mode: driver.settings.mode,
      epoch: feed.epoch,
      protected: options.accessToken !== undefined,
    }),
  });
}

/** Every `*.json` in `dir`, newest first; a file that is not a result is listed with `error`. */
export async function listRuns(
  dir: string,
  cache = new Map<string, { mtimeMs: number; size: number; listing: RunListing }>(),
): Promise<RunListing[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new WirelabError('WL_INTERNAL', `cannot read the results folder: ${(error as Error).message}`);
  }
  const files = await Promise.all(
    names.map(async (name) => {
      try {
        const info = await stat(path.join(dir, name));
        return info.isFile() ? { name, mtimeMs: info.mtimeMs, size: info.size } : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  const present = files.filter((file): file is { name: string; mtimeMs: number; size: number } => file !== undefined);
  present.sort((a, b) => b.mtimeMs - a.mtimeMs);
  const listings: RunListing[] = [];
  for (const file of present.slice(0, MAX_LISTED)) {
    const cached = cache.get(file.name);
    if (cached !== undefined && cached.mtimeMs === file.mtimeMs && cached.size === file.size) {
      listings.push(cached.listing);
      continue;
    }
    const listing = await describeFile(dir, file.name, file.mtimeMs, file.size);
    cache.set(file.name, { mtimeMs: file.mtimeMs, size: file.size, listing });
    listings.push(listing);
  }
  const live = new Set(present.map((file) => file.name));
  for (const name of cache.keys()) if (!live.has(name)) cache.delete(name);
  listings.sort((a, b) => (b.startedAt ?? b.modifiedAt).localeCompare(a.startedAt ?? a.modifiedAt));
  return listings;
}

async function describeFile(dir: string, name: string, mtimeMs: number, size: number): Promise<RunListing> {
  const id = name.slice(0, -'.json'.length);
  const base: RunListing = { id, file: name, sizeBytes: size, modifiedAt: new Date(mtimeMs).toISOString() };
  if (!RESULT_ID_PATTERN.test(id) || id.includes('..')) return { ...base, error: 'file name is not a valid run id ([A-Za-z0-9._-])' };
  if (size > MAX_RESULT_BYTES) return { ...base, error: `file is larger than ${MAX_RESULT_BYTES} bytes` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readLimited(path.join(dir, name), MAX_RESULT_BYTES));
  } catch (error) {
    return {
      ...base,
      error: error instanceof SyntaxError ? `not valid JSON: ${error.message}` : `cannot read: ${(error as Error).message}`,
    };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { ...base, error: 'not a JSON object' };
  const result = parsed as Record<string, unknown>;
  if (result.schema !== RESULT_SCHEMA) {
    return { ...base, error: `not a wirelab result: schema is ${JSON.stringify(result.schema ?? null)}, expected "${RESULT_SCHEMA}"` };
  }
  const protocols = Array.isArray(result.protocols) ? (result.protocols as unknown[]) : [];
  const names = protocols.map((p) => (p as { protocol?: unknown } | null)?.protocol).filter((p): p is string => typeof p === 'string');
  const requested = protocols
    .map((p) => (p as { clients?: { requested?: unknown } } | null)?.clients?.requested)
    .filter((n): n is number => typeof n === 'number');
  const optionClients = (result.options as Record<string, unknown> | undefined)?.clients;
  const scenario = protocols.map((p) => (p as { scenario?: unknown } | null)?.scenario).find((s): s is string => typeof s === 'string');
  const target = (result.target as { url?: unknown } | undefined)?.url;
  return {
    ...base,
    ...(typeof result.startedAt === 'string' ? { startedAt: result.startedAt } : {}),
    ...(typeof result.finishedAt === 'string' ? { finishedAt: result.finishedAt } : {}),
    ...(typeof result.durationMs === 'number' ? { durationMs: result.durationMs } : {}),
    protocols: names,
    clients: typeof optionClients === 'number' ? optionClients : requested.length > 0 ? Math.max(...requested) : null,
    scenario: scenario ?? null,
    ...(typeof result.passed === 'boolean' ? { passed: result.passed } : {}),
    ...(typeof result.suspect === 'boolean' ? { suspect: result.suspect } : {}),
    ...(typeof target === 'string' ? { target } : {}),
  };
}

/** Why `text` is not a servable result file, or undefined when it is. */
function resultProblem(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return `not valid JSON: ${(error as Error).message}`;
  }
  const schema = (parsed as { schema?: unknown } | null)?.schema;
  return schema === RESULT_SCHEMA ? undefined : `not a wirelab result (schema ${JSON.stringify(schema ?? null)})`;
}

async function readLimited(file: string, limit: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
    if (info.size > limit) throw new Error(`file is larger than ${limit} bytes`);
    return await handle.readFile({ encoding: 'utf8' });
  } finally {
    await handle.close();
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
