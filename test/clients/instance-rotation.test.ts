import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../clients/index.js';
import { PROTOCOL_NAMES, type ProtocolName } from '../../wire/protocols.js';
import { closedPort, fastOptions, Recorder, startServer, type TestServer } from './helpers.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server.close();
});

describe('a client with several instance URLs moves to the next one on reconnect', () => {
  it.each(PROTOCOL_NAMES)(
    '%s: the first instance is down, the client connects to the second and receives there',
    async (protocol: ProtocolName) => {
      const dead = `http://127.0.0.1:${await closedPort()}`;
      const recorder = new Recorder();
      const client = createClient(fastOptions(protocol, dead, recorder, { urls: [server.url] }));
      expect(client.instance).toBe(new URL(dead).host);
      try {
        await client.connect();
        expect(client.instance).toBe(new URL(server.url).host);
        const [published] = server.publish(1);
        await recorder.untilSeq(published!.seq);
        expect(recorder.closes.length).toBeGreaterThanOrEqual(1);
      } finally {
        await client.close();
      }
    },
  );

  it('without urls every reconnect stays on url', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const recorder = new Recorder();
    const client = createClient(
      fastOptions('ws', dead, recorder, { reconnect: { initialDelayMs: 10, maxDelayMs: 10, jitter: 0, maxAttempts: 3 } }),
    );
    await expect(client.connect()).rejects.toThrow(/gave up after 3 reconnect attempts/);
    expect(client.instance).toBe(new URL(dead).host);
  });
});
