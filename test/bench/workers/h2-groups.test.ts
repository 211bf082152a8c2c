import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { H2Groups } from '../../../bench/workers/h2-groups.js';
import { createClient } from '../../../clients/index.js';
import type { FeedClient } from '../../../clients/types.js';
import { Recorder, startServer, type TestServer } from '../../clients/helpers.js';

const clients: FeedClient[] = [];
const groups: H2Groups[] = [];
const servers: TestServer[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(groups.splice(0).map((group) => group.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Established TCP connections whose local end is `port`: the server's side of each connection, from the kernel's own table. */
function serverSockets(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4) continue;
      // local_address is HEXIP:HEXPORT; state 01 is ESTABLISHED.
      if (fields[1]!.endsWith(`:${hexPort}`) && fields[3] === '01') count += 1;
    }
  }
  return count;
}

describe.each([
  ['sse', 4],
  ['long-poll', 4],
  ['sse', 1],
] as const)('H2Groups: %s clients over HTTP/2, %i per connection', (protocol, perConnection) => {
  it('puts that many logical clients on one connection, as the server’s own sockets show', async () => {
    const started = await startServer({ h2cPort: 0 });
    servers.push(started);
    const h2c = started.server.http2Urls.h2c!;
    const group = new H2Groups(h2c, perConnection);
    groups.push(group);
    const recorders: Recorder[] = [];
    for (let k = 0; k < 12; k++) {
      const recorder = new Recorder();
      recorders.push(recorder);
      const client = createClient({ url: h2c, protocol, id: `c${k}`, handlers: recorder, http2: group.connectionFor(k) });
      clients.push(client);
      await client.connect();
    }
    const expected = 12 / perConnection;
    expect(group.opened).toBe(expected);
    expect(serverSockets(new URL(h2c).port === '' ? 80 : Number(new URL(h2c).port))).toBe(expected);
    // Every logical client still gets the feed on its own stream.
    started.publish(3);
    await Promise.all(recorders.map((recorder) => recorder.until((r) => r.updates.length >= 3, 5000, 'three updates')));
    expect(group.bytesRead).toBeGreaterThan(0);
    expect(group.bytesWritten).toBeGreaterThan(0);
  });
});
