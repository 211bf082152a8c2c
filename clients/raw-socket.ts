import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import type { Target } from './base.js';

/** Where the bytes of each socket read go: `buf[start, end)`, valid only during the call. */
export type ReadHandler = (buf: Buffer, start: number, end: number) => void;

/** Size of the read buffer: what one read(2) may return at most. */
const READ_BUFFER_BYTES = 64 * 1024;
/**
 * The one buffer every plain socket of this thread reads into. Reads are handled one at a
 * time on the event loop, and each is parsed completely before the next read happens, so one
 * buffer serves every connection; the parsers copy whatever must outlive a read.
 */
let readBuffer: Buffer | undefined;

/**
 * A TCP (or TLS, for https:/wss:) connection to the target, for the clients that speak
 * HTTP/1.1 themselves (WebSocket, SSE). Writes may start at once: they are buffered until the
 * connection is up.
 *
 * Each read goes to `onRead` as a range of a buffer. A plain TCP socket reads straight into
 * the thread's one read buffer (net's `onread` option): no Buffer is allocated per read and no
 * stream machinery runs, which is most of what a read costs in JavaScript. A TLS socket
 * delivers its decrypted 'data' chunks instead. Either way 'end', 'close', 'error',
 * 'timeout', `bytesRead` and `bytesWritten` behave as on any socket.
 */
export function openSocket(
  target: Target,
  onRead: ReadHandler,
  options: { insecure?: boolean; ca?: string | Buffer | undefined; localAddress?: string | undefined } = {},
): Socket {
  const { hostname, port } = target;
  // A source address of the caller's choosing: one address runs out of ephemeral ports near 28,000 connections.
  const local = options.localAddress === undefined ? {} : { localAddress: options.localAddress };
  let socket: Socket;
  if (target.secure) {
    // `insecure`: the user's --insecure, for a self-signed certificate on a test server; `ca`: a certificate to trust besides the system's.
    const trust = options.insecure === true ? { rejectUnauthorized: false } : options.ca === undefined ? {} : { ca: options.ca };
    // ALPN says HTTP/1.1 plainly, so a server that also speaks h2 does not wait for a guess.
    socket = tls.connect({
      host: hostname,
      port,
      ALPNProtocols: ['http/1.1'],
      ...local,
      ...trust,
      ...(net.isIP(hostname) === 0 ? { servername: hostname } : {}),
    });
    socket.on('data', (chunk: Buffer) => onRead(chunk, 0, chunk.length));
  } else {
    readBuffer ??= Buffer.allocUnsafe(READ_BUFFER_BYTES);
    socket = net.connect({
      host: hostname,
      port,
      ...local,
      onread: {
        buffer: readBuffer,
        callback: (bytes: number, buf: Uint8Array): boolean => {
          onRead(buf as Buffer, 0, bytes);
          return true;
        },
      },
    });
  }
  // Small client messages (PING, pong, close) go out at once, as `ws` and node:http do.
  socket.setNoDelay(true);
  return socket;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\0\r\n]/;

export interface HeadParts {
  /** Sent unless the caller's headers have one of the same name. */
  defaults?: Readonly<Record<string, string>>;
  /** Always sent; a caller's header of the same name is dropped. */
  fixed?: Readonly<Record<string, string>>;
}

/**
 * The head of an HTTP/1.1 request without a body: `method path`, `Host` (unless given), the
 * defaults, the caller's headers, then the fixed headers. Throws a TypeError on a header
 * name or value that would break the request (CR, LF, NUL), as node:http does.
 */
export function requestHead(
  method: string,
  path: string,
  authority: string,
  headers: Readonly<Record<string, string>>,
  parts: HeadParts = {},
): string {
  const fixed = parts.fixed ?? {};
  const fixedNames = new Set(Object.keys(fixed).map((name) => name.toLowerCase()));
  const own = Object.entries(headers).filter(([name]) => !fixedNames.has(name.toLowerCase()));
  const given = new Set(own.map(([name]) => name.toLowerCase()));
  let head = `${method} ${path} HTTP/1.1\r\n`;
  if (!given.has('host')) head += `Host: ${authority}\r\n`;
  for (const [name, value] of Object.entries(parts.defaults ?? {})) if (!given.has(name.toLowerCase())) head += line(name, value);
  for (const [name, value] of own) head += line(name, value);
  for (const [name, value] of Object.entries(fixed)) head += line(name, value);
  return `${head}\r\n`;
}

function line(name: string, value: string): string {
  if (!TOKEN.test(name)) throw new TypeError(`Header name must be a valid HTTP token ["${name}"]`);
  const text = String(value);
  if (BAD_VALUE.test(text)) throw new TypeError(`Invalid character in header content ["${name}"]`);
  return `${name}: ${text}\r\n`;
}
