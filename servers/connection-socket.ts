import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest, Http2Session } from 'node:http2';
import type { Socket } from 'node:net';

/**
 * The TCP (or TLS) socket under each HTTP/2 session, recorded by the HTTP/2 listeners as the
 * session starts. Node hands HTTP/2 requests a proxy per stream instead of the socket, whose
 * byte counts are the whole session's and whose `destroy` throws; counting and dropping work
 * on the real socket instead.
 */
const sessionSockets = new WeakMap<Http2Session, Socket>();

export function rememberSessionSocket(session: Http2Session, socket: Socket): void {
  sessionSockets.set(session, socket);
}

/** The socket a request arrived on; for HTTP/2, the session's socket, which all its streams share. */
export function connectionSocket(raw: IncomingMessage): Socket {
  if (raw.httpVersionMajor === 2) {
    const session = (raw as unknown as Http2ServerRequest).stream?.session;
    const socket = session === undefined ? undefined : sessionSockets.get(session);
    if (socket !== undefined) return socket;
  }
  return raw.socket;
}
