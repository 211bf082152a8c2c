import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../clients/index.js';
import { MarkerScanner, newRunTag } from '../../clients/codecs/marker.js';
import { PROTOCOL_NAMES, type ProtocolName } from '../../wire/protocols.js';
import { range, Recorder } from '../clients/helpers.js';
import { startNchan, type RunningNchan } from '../helpers/nchan-server.js';
import { makeCertificate, type TestCertificate } from '../helpers/tls-cert.js';
import { closeAll, httpPublisher, NCHAN_CURSOR, publish, subscribe, untilAll } from './helpers.js';

let certificate: TestCertificate;
let nchan: RunningNchan;

beforeAll(async () => {
  certificate = await makeCertificate();
  nchan = await startNchan({ tls: { certFile: certificate.certFile, keyFile: certificate.keyFile } });
});

afterAll(async () => {
  await nchan?.stop();
  await certificate?.remove();
});

function endpoint(protocol: ProtocolName, channel: string): string {
  const base = protocol === 'ws' ? nchan.url.replace(/^https/, 'wss') : nchan.url;
  return `${base}/${protocol === 'short-poll' ? 'poll' : 'sub'}/${channel}`;
}

describe('nginx + nchan over TLS with a self-signed certificate', () => {
  it('is refused without --insecure, naming the certificate problem', async () => {
    const recorder = new Recorder();
    const client = createClient({
      url: endpoint('sse', 'tls_refused'),
      protocol: 'sse',
      handlers: recorder,
      reconnect: { enabled: false },
      foreign: { decoder: new MarkerScanner('0000') },
    });
    await expect(client.connect()).rejects.toThrow(/self-signed certificate/);
    await client.close();
  });

  for (const protocol of PROTOCOL_NAMES) {
    it(`${protocol} with --insecure receives every message published over https`, async () => {
      const channel = `tls_${protocol.replace('-', '_')}`;
      const run = newRunTag();
      const subscribers = await subscribe({
        protocol,
        url: endpoint(protocol, channel),
        run,
        count: 10,
        foreign: { cursor: NCHAN_CURSOR, drain: true },
        extra: { insecure: true },
      });
      const transport = httpPublisher(`${nchan.url}/pub/${channel}`, { insecure: true });
      try {
        const result = await publish(transport, run, 50, { rate: 500 });
        expect(result.acked).toBe(50);
        await untilAll(subscribers, 50);
        for (const { recorder, client } of subscribers) {
          expect(recorder.seqs).toEqual(range(1, 50));
          expect(client.counters.errors).toBe(0);
        }
      } finally {
        await transport.close();
        await closeAll(subscribers);
      }
    });
  }

  it('the publisher without --insecure fails every publish, with the reason', async () => {
    const transport = httpPublisher(`${nchan.url}/pub/tls_publisher`);
    try {
      const result = await publish(transport, newRunTag(), 3);
      expect(result).toMatchObject({
        attempted: 3,
        acked: 0,
        failed: 3,
        failures: { DEPTH_ZERO_SELF_SIGNED_CERT: 3 },
        failedSeqs: [1, 2, 3],
      });
    } finally {
      await transport.close();
    }
  });
});
