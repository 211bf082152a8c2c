import { connect } from 'node:net';

/**
 * Raw HTTP/1.1 over a real TCP socket, for what a client library would not send: request
 * targets exactly as written (percent-encoded, absolute-form, `..`), pipelined requests, and
 * upgrades whose status line must be seen before anything else happens.
 */

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** One request's bytes: `METHOD target HTTP/1.1`, a Host header, `headers`, and `body` with its length. */
export function rawRequest(method: string, target: string, headers: Record<string, string> = {}, body?: string): string {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

/** The headers of a WebSocket upgrade request (RFC 6455 section 4.1). */
export const UPGRADE_HEADERS = Object.freeze({
  Connection: 'Upgrade',
  Upgrade: 'websocket',
  'Sec-WebSocket-Version': '13',
  'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
});

/**
 * How much of each answer to read: `whole`, or `head` (the status line and headers only: the
 * answer to a HEAD, whose headers announce a body that is never sent, or a stream's start).
 */
export type Read = 'whole' | 'head';

/**
 * Writes `text` on a new connection to `baseUrl` and reads one response per entry of `reads`.
 * Resolves with the responses read when all are in or the server closed the connection;
 * rejects after `timeoutMs`, naming what had arrived. A 101 ends the reading: what follows is
 * no longer HTTP.
 */
export function exchange(baseUrl: string, text: string, reads: readonly Read[], timeoutMs = 5000): Promise<RawResponse[]> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const responses: RawResponse[] = [];
    let buffer = Buffer.alloc(0);
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error === undefined) resolve(responses);
      else reject(error);
    };
    const timer = setTimeout(() => {
      finish(
        new Error(
          `no answer within ${timeoutMs} ms to request ${responses.length + 1} of ${reads.length}; ${responses.length} read, then ${JSON.stringify(buffer.toString('latin1').slice(0, 300))}`,
        ),
      );
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        let parsed: ReturnType<typeof parseResponse>;
        try {
          parsed = parseResponse(buffer, reads[responses.length] === 'head');
        } catch (error) {
          finish(error as Error);
          return;
        }
        if (parsed === undefined) return;
        responses.push(parsed.response);
        buffer = buffer.subarray(parsed.length);
        if (responses.length === reads.length || parsed.response.status === 101) {
          finish();
          return;
        }
      }
    });
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish());
    socket.write(text);
  });
}

/** The first whole response in `buffer` and its length in bytes, or undefined when it is not all there yet. */
function parseResponse(buffer: Buffer, headOnly: boolean): { response: RawResponse; length: number } | undefined {
  const end = buffer.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine = '', ...lines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1] ?? Number.NaN);
  if (Number.isNaN(status)) throw new Error(`not an HTTP/1.1 status line: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const start = end + 4;
  const bodiless = headOnly || status === 101 || status === 204 || status === 304;
  if (bodiless) return { response: { status, headers, body: '' }, length: start };
  if (headers['transfer-encoding'] === 'chunked') {
    let at = start;
    const pieces: Buffer[] = [];
    for (;;) {
      const lineEnd = buffer.indexOf('\r\n', at);
      if (lineEnd === -1) return undefined;
      const size = Number.parseInt(buffer.subarray(at, lineEnd).toString('latin1'), 16);
      if (buffer.length < lineEnd + 2 + size + 2) return undefined;
      pieces.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
      if (size === 0) return { response: { status, headers, body: Buffer.concat(pieces).toString('utf8') }, length: at };
    }
  }
  const size = Number(headers['content-length'] ?? 0);
  if (buffer.length < start + size) return undefined;
  return { response: { status, headers, body: buffer.subarray(start, start + size).toString('utf8') }, length: start + size };
}

/** The `code` of a `{"error":{"code"}}` body, or undefined. */
export function errorCode(response: RawResponse): string | undefined {
  try {
    return (JSON.parse(response.body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}
