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
      // A first wait of a minute: the refused instance must be left without waiting it out.
      const reconnect = { initialDelayMs: 60_000, maxDelayMs: 60_000, jitter: 0 };
      const client = createClient(fastOptions(protocol, dead, recorder, { urls: [server.url], reconnect }));
      expect(client.instance).toBe(new URL(dead).host);
      try {
        await client.connect();
        expect(client.instance).toBe(new URL(server.url).host);
        const [published] = server.publish(1);
        await recorder.untilSeq(published!.seq);
        expect(recorder.closes.map((close) => close.delayMs)).toEqual([0]);
      } finally {
        await client.close();
      }
    },
  );

  it('every instance refusing: the backoff grows once per round over the list, not per refused instance', async () => {
    const [first, second] = [`http://127.0.0.1:${await closedPort()}`, `http://127.0.0.1:${await closedPort()}`];
    const recorder = new Recorder();
    const reconnect = { initialDelayMs: 10, maxDelayMs: 1000, multiplier: 2, jitter: 0, maxAttempts: 5 };
    const client = createClient(fastOptions('ws', first, recorder, { urls: [second], reconnect }));
    await expect(client.connect()).rejects.toThrow(/gave up after 5 reconnect attempts/);
    expect(recorder.closes.map((close) => close.delayMs)).toEqual([0, 10, 0, 20, 0, undefined]);
  });

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
