import http2, { type Http2SecureServer, type Http2Server, type Http2Session } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
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
 *   HTTP/2 only over TLS). HTTP/1.1 connections on it get every endpoint too, WebSocket
 *   upgrades included.
 *
 * Requests reach the app's own router, so routes, hooks, limits and errors are the same on
 * every listener. WebSocket over HTTP/2 (RFC 8441, extended CONNECT) is not offered: neither
 * `ws` nor @fastify/websocket can run a WebSocket on an HTTP/2 stream.
 */
export async function listenHttp2(app: FastifyInstance, options: ResolvedServerOptions): Promise<Http2Listeners> {
  const route = (request: unknown, response: unknown): void => app.routing(request as IncomingMessage, response as ServerResponse);
  const settings = { maxConcurrentStreams: options.h2MaxConcurrentStreams };
  const sessions = new Set<Http2Session>();
  const sockets = new Set<Socket>();
  const servers: Array<Http2Server | Http2SecureServer> = [];
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;

  const track = (server: Http2Server | Http2SecureServer, connectionEvent: 'connection' | 'secureConnection'): void => {
    let arriving: Socket | undefined;
    // Runs before Node's own listener, which makes the session and announces it at once.
    server.prependListener(connectionEvent, (socket: Socket) => {
      arriving = socket;
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    server.on('session', (session: Http2Session) => {
      if (arriving !== undefined) rememberSessionSocket(session, arriving);
      sessions.add(session);
      session.once('close', () => sessions.delete(session));
    });
  };

  let h2c: string | undefined;
  if (options.h2cPort !== undefined) {
    const server = http2.createServer({ settings }, route);
    track(server, 'connection');
    servers.push(server);
    h2c = `http://${host}:${await listenOn(server, options.host, options.h2cPort)}`;
  }
  let https: string | undefined;
  if (options.tls !== undefined) {
    const server = http2.createSecureServer({ key: options.tls.key, cert: options.tls.cert, allowHTTP1: true, ALPNProtocols: ['h2', 'http/1.1'], settings }, route);
    track(server, 'secureConnection');
    // WebSocket upgrades of HTTP/1.1 connections go to the app's WebSocket plugin.
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => app.server.emit('upgrade', request, socket, head));
    servers.push(server);
    https = `https://${host}:${await listenOn(server, options.host, options.tls.port)}`;
  }

  return {
    urls: { h2c, https },
    async close(graceMs) {
      const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
      for (const session of sessions) session.close();
      const grace = setTimeout(() => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      grace.unref();
      // HTTP/1.1 connections on the TLS listener that sit idle between requests go at once, as
      // the HTTP/1.1 listener's do (`forceCloseConnections: 'idle'`).
      for (const socket of sockets) {
        const http1 = socket as Socket & { alpnProtocol?: string | false; _httpMessage?: unknown };
        if (http1.alpnProtocol !== 'h2' && !http1._httpMessage) socket.destroy();
      }
      await Promise.all(closed);
      clearTimeout(grace);
    },
  };
}

function listenOn(server: Http2Server | Http2SecureServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}
