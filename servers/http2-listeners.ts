import http2, { type Http2Session } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net, { type Server, type Socket } from 'node:net';
import tls from 'node:tls';
import type { FastifyInstance } from 'fastify';
import type { ResolvedServerOptions } from './config.js';
import { rememberSessionSocket } from './connection-socket.js';

/** The HTTP/2 listeners' base URLs, for those configured. */
export interface Http2Urls {
  readonly h2c: string | undefined;
  readonly https: string | undefined;
}

export interface Http2Listeners {
  readonly urls: Http2Urls;
  /** Stops accepting, lets sessions finish their streams, and cuts what is left after `graceMs`. */
  close(graceMs: number): Promise<void>;
}

/**
 * The same Fastify app served over HTTP/2, beside its HTTP/1.1 listener:
 *
 * - h2c, cleartext HTTP/2 with prior knowledge, on `h2cPort`: what the harness uses. Node's
 *   HTTP/2 server cannot fall back to HTTP/1.1 on a cleartext connection (`allowHTTP1` works by
 *   TLS's ALPN only), so h2c has a port of its own rather than sharing the HTTP/1.1 one;
 * - TLS on `tlsPort`, offering `h2` and `http/1.1` by ALPN, what browsers need (they speak
 *   HTTP/2 only over TLS).
 *
 * Both listeners only accept connections and hand each on: an HTTP/2 connection to one HTTP/2
 * server (which never listens itself), whose requests reach the app's own router; an HTTP/1.1
 * connection on the TLS listener to the app's own HTTP/1.1 server, so it gets exactly what the
 * main listener gives: the header and request timeouts, WebSocket upgrades, the 408 answer,
 * the closing of idle connections on shutdown. Routes, hooks, limits and errors are the same on
 * every listener. WebSocket over HTTP/2 (RFC 8441, extended CONNECT) is not offered: neither
 * `ws` nor @fastify/websocket can run a WebSocket on an HTTP/2 stream.
 */
export async function listenHttp2(app: FastifyInstance, options: ResolvedServerOptions): Promise<Http2Listeners> {
  const route = (request: unknown, response: unknown): void => app.routing(request as IncomingMessage, response as ServerResponse);
  const h2 = http2.createServer({ settings: { maxConcurrentStreams: options.h2MaxConcurrentStreams } }, route);
  const sessions = new Set<Http2Session>();
  const sockets = new Set<Socket>();
  const listeners: Server[] = [];
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;

  let arriving: Socket | undefined;
  h2.on('session', (session: Http2Session) => {
    // Announced while the socket is handed over, below: it is the session's socket.
    if (arriving !== undefined) rememberSessionSocket(session, arriving);
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  const speakHttp2 = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    arriving = socket;
    h2.emit('connection', socket);
    arriving = undefined;
  };

  let h2c: string | undefined;
  if (options.h2cPort !== undefined) {
    const listener = net.createServer(speakHttp2);
    listeners.push(listener);
    h2c = `http://${host}:${await listenOn(listener, options.host, options.h2cPort)}`;
  }
  let https: string | undefined;
  if (options.tls !== undefined) {
    const listener = tls.createServer({ key: options.tls.key, cert: options.tls.cert, ALPNProtocols: ['h2', 'http/1.1'] }, (socket) => {
      if (socket.alpnProtocol === 'h2') speakHttp2(socket);
      else app.server.emit('connection', socket);
    });
    listeners.push(listener);
    https = `https://${host}:${await listenOn(listener, options.host, options.tls.port)}`;
  }

  return {
    urls: { h2c, https },
    async close(graceMs) {
      const closed = listeners.map((listener) => new Promise<void>((resolve) => listener.close(() => resolve())));
      for (const session of sessions) session.close();
      const grace = setTimeout(() => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      grace.unref();
      // The listeners' close waits for their sockets: HTTP/2 ones end with their sessions,
      // HTTP/1.1 ones on the TLS listener are closed with the app's own server.
      await Promise.all(closed);
      clearTimeout(grace);
    },
  };
}

function listenOn(listener: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, host, () => {
      listener.off('error', reject);
      const address = listener.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}
