import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers.js';
import { UPGRADE_HEADERS, errorCode, exchange, rawRequest, type RawResponse } from './raw-http.js';

/** `/ws` is the only WebSocket endpoint: an upgrade anywhere else gets its 404 before any upgrade. */

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function upgrade(baseUrl: string, method: string, target: string, headers: Record<string, string> = {}): Promise<RawResponse[]> {
  return exchange(baseUrl, rawRequest(method, target, { ...UPGRADE_HEADERS, ...headers }), [method === 'HEAD' ? 'head' : 'whole']);
}

describe('WebSocket upgrades', () => {
  it('are refused with 404 WL_NOT_WEBSOCKET before any upgrade on every path but /ws', async () => {
    server = await startServer({ controlToken: 'c' });
    const targets: Array<[string, string]> = [
      ['GET', '/nope'],
      ['GET', '/stats'],
      ['GET', '/metrics'],
      ['GET', '/sse'],
      ['GET', '/long-poll?since=0'],
      ['GET', '/poll?since=0'],
      ['GET', '/'],
      ['GET', '/index.html'],
      ['GET', '/api/info'],
      ['GET', '/ws/'],
      ['GET', '//ws'],
      ['GET', '/WS'],
      ['POST', '/ping'],
      ['POST', '/control/feed'],
      ['POST', '/nope'],
      ['HEAD', '/sse'],
    ];
    for (const [method, target] of targets) {
      const responses = await upgrade(server.url, method, target, { Authorization: 'Bearer c' });
      const label = `${method} ${target} with an Upgrade header`;
      expect(responses, label).toHaveLength(1);
      const [response] = responses as [RawResponse];
      expect(response.status, label).toBe(404);
      if (method !== 'HEAD') {
        expect(errorCode(response), label).toBe('WL_NOT_WEBSOCKET');
        expect(JSON.parse(response.body).error.message, label).toBe(
          `no WebSocket endpoint at ${method} ${target.split('?')[0]}: upgrade at GET /ws`,
        );
      }
    }
    expect(server.server.context.stats.transports.ws.accepted).toBe(0);
    expect(server.server.context.driver.settings.mode).toBe('idle');
    const [accepted] = await upgrade(server.url, 'GET', '/ws');
    expect(accepted?.status).toBe(101);
  });

  it('are authorised before they are refused: without the access token the answer is 401', async () => {
    server = await startServer({ accessToken: 'a' });
    const [withoutToken] = await upgrade(server.url, 'GET', '/stats');
    expect([withoutToken?.status, errorCode(withoutToken!)]).toEqual([401, 'WL_UNAUTHORIZED']);
    const [withToken] = await upgrade(server.url, 'GET', '/stats?token=a');
    expect([withToken?.status, errorCode(withToken!)]).toEqual([404, 'WL_NOT_WEBSOCKET']);
  });
});
