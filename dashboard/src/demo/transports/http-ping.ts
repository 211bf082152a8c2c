import { httpUrl, wireError } from '../../http.js';
import { parseMessage, utf8Length, type TransportSink } from './types.js';

/**
 * PING over HTTP (SSE and both pollings): `POST /ping` with `{"id","ts"}`, answered with the
 * `pong` message. One request per PING, as docs/protocol.md says.
 */
export function postPing(id: string, ts: number, sink: TransportSink): void {
  sink.request();
  fetch(httpUrl('/ping'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, ts }),
    cache: 'no-store',
  })
    .then(async (response) => {
      if (!response.ok) {
        const error = await wireError(response);
        sink.log(`PING ${id} refused: ${error.code} ${error.message}`, 'error');
        return;
      }
      const text = await response.text();
      const message = parseMessage(text, sink);
      if (message !== undefined) sink.message(message, utf8Length(text));
    })
    .catch((error: unknown) => sink.log(`PING ${id} failed: ${String(error)}`, 'error'));
}
