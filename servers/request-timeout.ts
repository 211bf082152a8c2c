import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ResolvedServerOptions } from './config.js';
import { WirelabError, errorBody } from '../wire/errors.js';

/**
 * Answers a request that missed the header or request timeout with 408 `WL_REQUEST_TIMEOUT`
 * in the server's own error format, then closes the connection. Runs before Fastify's client
 * error handler, which finds the socket destroyed and leaves every other client error to itself.
 */
export function answerTimedOutRequests(
  server: Server,
  options: Pick<ResolvedServerOptions, 'headersTimeoutMs' | 'requestTimeoutMs'>,
): void {
  const body = JSON.stringify(errorBody(new WirelabError('WL_REQUEST_TIMEOUT', options.headersTimeoutMs, options.requestTimeoutMs)));
  const answer = `HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  server.prependListener('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code !== 'ERR_HTTP_REQUEST_TIMEOUT' || socket.destroyed) return;
    // A response already under way (an early 413, say) must not get a second status line.
    const response = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && response?.headersSent !== true) socket.write(answer);
    socket.destroy();
  });
}
