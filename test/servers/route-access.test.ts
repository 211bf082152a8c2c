import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ServerOptions } from '../../servers/config.js';
import { openWs, startServer, type TestServer, type WsPeer } from './helpers.js';
import { UPGRADE_HEADERS, errorCode, exchange, rawRequest, type RawResponse, type Read } from './raw-http.js';

/**
 * Access is decided on the route the router matched, never on the URL as written: every
 * spelling of a protected path that reaches its route must carry the right token, and every
 * other spelling reaches no route at all. Requests are written byte for byte on real sockets.
 */

const CONTROL = 'control-secret';
const ACCESS = 'access-secret';

let server: TestServer;
let dashboardDir: string;

beforeAll(async () => {
  dashboardDir = await mkdtemp(path.join(tmpdir(), 'wirelab-route-access-'));
  await mkdir(path.join(dashboardDir, 'assets'));
  await writeFile(path.join(dashboardDir, 'index.html'), '<!doctype html><title>page</title>');
  await writeFile(path.join(dashboardDir, 'assets', 'app-1234.js'), 'console.log(1)');
});
afterAll(async () => {
  await rm(dashboardDir, { recursive: true, force: true });
});
afterEach(async () => {
  await server?.close();
});

async function start(options: ServerOptions): Promise<TestServer> {
  server = await startServer({ dashboardDir, resultsDir: path.join(dashboardDir, 'no-results'), ...options });
  return server;
}

/** Ways to write the target of `path` (which may carry a query); `routes` says whether the router maps it to the path's route. */
function spellings(target: string): Array<{ name: string; target: string; routes: boolean }> {
  const [pathname = '', query] = target.split('?');
  const withQuery = (p: string) => (query === undefined ? p : `${p}?${query}`);
  const segments = pathname.split('/').slice(1);
  const hex = (c: string) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  const firstEncoded = `/${segments.map((s) => hex(s[0]!) + s.slice(1)).join('/')}`;
  const allEncoded = `/${segments.map((s) => [...s].map((c) => hex(c).toUpperCase()).join('')).join('/')}`;
  const last = segments.length - 1;
  return [
    { name: 'as written', target: withQuery(pathname), routes: true },
    { name: 'first letters percent-encoded', target: withQuery(firstEncoded), routes: true },
    { name: 'every letter percent-encoded', target: withQuery(allEncoded), routes: true },
    { name: 'absolute-form', target: `http://127.0.0.1${withQuery(pathname)}`, routes: true },
    { name: 'absolute-form, another host', target: `http://evil.example:8080${withQuery(firstEncoded)}`, routes: true },
    { name: 'leading double slash', target: withQuery(`/${pathname}`), routes: false },
    {
      name: 'inner double slash',
      target: withQuery(`/${segments.slice(0, last).join('/')}${last > 0 ? '/' : ''}/${segments[last]}`),
      routes: false,
    },
    { name: 'trailing slash', target: withQuery(`${pathname}/`), routes: false },
    { name: 'dot-dot segment', target: withQuery(`/x/..${pathname}`), routes: false },
    { name: 'encoded dot-dot segment', target: withQuery(`/x/%2e%2e${pathname}`), routes: false },
    { name: 'dot segment', target: withQuery(`/.${pathname}`), routes: false },
    { name: 'upper case', target: withQuery(pathname.toUpperCase()), routes: false },
    { name: 'capitalised', target: withQuery(`/${pathname[1]!.toUpperCase()}${pathname.slice(2)}`), routes: false },
  ];
}

const CONTROL_ROUTES = [
  // Bodies that would show if they got through: the feed starts publishing, a WebSocket is
  // dropped, counters go back to zero.
  { path: '/control/feed', body: '{"mode":"demo"}', harmless: '{"mode":"idle"}' },
  { path: '/control/drop', body: '{}', harmless: '{"transport":"short-poll"}' },
  { path: '/control/reset-counters', body: '{}', harmless: '{}' },
];

function controlCall(target: string, body: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const text = rawRequest('POST', target, { 'Content-Type': 'application/json', Connection: 'close', ...headers }, body);
  return exchange(server.url, text, ['whole']).then((responses) => {
    expect(responses, `no answer to POST ${target}`).toHaveLength(1);
    return responses[0]!;
  });
}

function describeAnswer(response: RawResponse): string {
  return `${response.status} ${errorCode(response) ?? response.body.slice(0, 80)}`;
}

/** Nothing a refused control call would have done has happened: feed idle, WebSocket open, counters kept. */
async function expectUntouched(peer: WsPeer): Promise<void> {
  expect(server.server.context.driver.settings.mode).toBe('idle');
  expect(server.server.context.stats.transports.ws.accepted).toBe(1);
  // A drop's close frame would arrive before the answer to this ping.
  peer.ws.send(JSON.stringify({ type: 'ping', id: 'still-open', ts: 1 }));
  await peer.inbox.until((messages) => messages.some((m) => m.type === 'pong' && m.id === 'still-open'));
  expect(peer.ws.readyState).toBe(WebSocket.OPEN);
}

describe('control routes are authorised on the matched route', () => {
  const withoutControlToken: Array<[string, ServerOptions]> = [
    ['no tokens', {}],
    ['only an access token', { accessToken: ACCESS }],
  ];
  for (const [label, options] of withoutControlToken) {
    it(`are refused with 404 WL_CONTROL_DISABLED however they are spelled, on a server with ${label}`, async () => {
      await start(options);
      const peer = await openWs(`${server.wsUrl}/ws${options.accessToken === undefined ? '' : `?token=${ACCESS}`}`);
      for (const route of CONTROL_ROUTES) {
        for (const spelling of spellings(route.path)) {
          for (const headers of [{}, { Authorization: `Bearer ${CONTROL}` }, { Authorization: `Bearer ${ACCESS}` }] as Array<
            Record<string, string>
          >) {
            const response = await controlCall(spelling.target, route.body, headers);
            const expected = spelling.routes ? '404 WL_CONTROL_DISABLED' : '404 WL_NOT_FOUND';
            expect(describeAnswer(response), `POST ${spelling.target} (${spelling.name}) with ${JSON.stringify(headers)}`).toBe(expected);
          }
        }
      }
      await expectUntouched(peer);
      peer.ws.close();
    });
  }

  const withControlToken: Array<[string, ServerOptions]> = [
    ['a control token', { controlToken: CONTROL }],
    ['a control token and an access token', { controlToken: CONTROL, accessToken: ACCESS }],
  ];
  for (const [label, options] of withControlToken) {
    it(`need the control token as a Bearer header however they are spelled, on a server with ${label}`, async () => {
      await start(options);
      const peer = await openWs(`${server.wsUrl}/ws${options.accessToken === undefined ? '' : `?token=${ACCESS}`}`);
      const wrong: Array<{ name: string; query: string; headers: Record<string, string> }> = [
        { name: 'no token', query: '', headers: {} },
        { name: 'a wrong Bearer token', query: '', headers: { Authorization: `Bearer ${CONTROL}x` } },
        { name: 'the access token', query: '', headers: { Authorization: `Bearer ${ACCESS}` } },
        { name: 'the control token in the query', query: `token=${CONTROL}`, headers: {} },
        { name: 'the control token without "Bearer"', query: '', headers: { Authorization: CONTROL } },
      ];
      for (const route of CONTROL_ROUTES) {
        for (const spelling of spellings(route.path)) {
          for (const attempt of wrong) {
            const target = attempt.query === '' ? spelling.target : `${spelling.target}?${attempt.query}`;
            const response = await controlCall(target, route.body, attempt.headers);
            const expected = spelling.routes ? '401 WL_CONTROL_UNAUTHORIZED' : '404 WL_NOT_FOUND';
            expect(describeAnswer(response), `POST ${target} (${spelling.name}) with ${attempt.name}`).toBe(expected);
          }
        }
      }
      await expectUntouched(peer);

      // The same spellings with the token: the ones that route reach the handler, so the
      // refusals above were the guard's, not the router's.
      for (const route of CONTROL_ROUTES) {
        for (const spelling of spellings(route.path)) {
          const response = await controlCall(spelling.target, route.harmless, { Authorization: `Bearer ${CONTROL}` });
          expect(describeAnswer(response).slice(0, 3), `POST ${spelling.target} (${spelling.name}) with the token`).toBe(
            spelling.routes ? '200' : '404',
          );
        }
      }
      peer.ws.close();
    });
  }
});

/** Every feed route the access token protects, and how to call it. */
const FEED_ROUTES: Array<{ path: string; method: string; headers?: Record<string, string>; body?: string; read: Read; ok: number }> = [
  { path: '/ws', method: 'GET', headers: UPGRADE_HEADERS, read: 'head', ok: 101 },
  { path: '/sse', method: 'GET', read: 'head', ok: 200 },
  { path: '/long-poll?since=0&timeout=0', method: 'GET', read: 'whole', ok: 200 },
  { path: '/poll?since=0', method: 'GET', read: 'whole', ok: 200 },
  { path: '/ping', method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"id":"p","ts":1}', read: 'whole', ok: 200 },
  { path: '/stats', method: 'GET', read: 'whole', ok: 200 },
  { path: '/metrics', method: 'GET', read: 'whole', ok: 200 },
  { path: '/api/info', method: 'GET', read: 'whole', ok: 200 },
  { path: '/api/results', method: 'GET', read: 'whole', ok: 200 },
];

/** Calls `route` at `target`; a refusal is read whole, a granted stream or upgrade only up to its head. */
async function feedCall(
  route: (typeof FEED_ROUTES)[number],
  target: string,
  authorization?: string,
  read: Read = 'whole',
): Promise<RawResponse> {
  const headers = {
    ...route.headers,
    ...(authorization === undefined ? {} : { Authorization: authorization }),
    Connection: route.ok === 101 ? 'Upgrade' : 'close',
  };
  const responses = await exchange(server.url, rawRequest(route.method, target, headers, route.body), [read]);
  expect(responses, `no answer to ${route.method} ${target}`).toHaveLength(1);
  return responses[0]!;
}

describe('feed routes are authorised on the matched route', () => {
  it('need the access token however they are spelled, the WebSocket upgrade included', async () => {
    await start({ accessToken: ACCESS, controlToken: CONTROL });
    for (const route of FEED_ROUTES) {
      for (const spelling of spellings(route.path)) {
        const label = `${route.method} ${spelling.target} (${spelling.name})`;
        for (const authorization of [undefined, `Bearer ${ACCESS}x`, `Bearer ${CONTROL}`]) {
          const refused = await feedCall(route, spelling.target, authorization);
          // A spelling that misses the route gets a 404 (GETs end in the dashboard's file route,
          // which has no such file, or refuses an upgrade), or the 401 of the protected route it
          // reaches instead (`/api/results/` is `/api/results/:id` with an empty id).
          const expected = spelling.routes ? ['401 WL_UNAUTHORIZED'] : ['404 WL_NOT_FOUND', '404 WL_NOT_WEBSOCKET', '401 WL_UNAUTHORIZED'];
          expect(expected, `${label} with ${authorization ?? 'no token'} answered ${describeAnswer(refused)}`).toContain(
            describeAnswer(refused),
          );
        }
        const allowed = await feedCall(route, spelling.target, `Bearer ${ACCESS}`, spelling.routes ? route.read : 'whole');
        if (spelling.routes) expect(allowed.status, `${label} with the token`).toBe(route.ok);
        else expect([400, 404], `${label} with the token answered ${describeAnswer(allowed)}`).toContain(allowed.status);
      }
    }
    expect(server.server.context.stats.transports.ws.accepted).toBe(spellings('/ws').filter((s) => s.routes).length);
  });

  it('take the access token from the query too, as browsers must', async () => {
    await start({ accessToken: ACCESS });
    for (const route of FEED_ROUTES) {
      const target = `${route.path}${route.path.includes('?') ? '&' : '?'}token=${ACCESS}`;
      expect((await feedCall(route, target, undefined, route.read)).status, `${route.method} ${target}`).toBe(route.ok);
    }
  });

  it('serve the dashboard page and its files without the token, however they are spelled', async () => {
    await start({ accessToken: ACCESS });
    for (const target of [
      '/',
      '/index.html',
      '/%69ndex.html',
      'http://127.0.0.1/index.html',
      '/assets/app-1234.js',
      '/%61ssets/app-1234.js',
    ]) {
      const [response] = await exchange(server.url, rawRequest('GET', target, { Connection: 'close' }), ['whole']);
      expect(response?.status, `GET ${target}`).toBe(200);
    }
    // A path outside the page's folder is no file of it, and the feed routes it names stay closed.
    for (const target of ['/assets/../stats', '/%61ssets/..%2fstats', '/index.html/../stats']) {
      const [response] = await exchange(server.url, rawRequest('GET', target, { Connection: 'close' }), ['whole']);
      expect(describeAnswer(response!), `GET ${target}`).toBe('404 WL_NOT_FOUND');
    }
  });
});
