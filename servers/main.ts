import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { buildServer } from './app.js';
import { HTTP_COMPRESSIONS, WS_DEFLATE_MODES, type ServerOptions } from './config.js';
import { WirelabError } from '../wire/errors.js';

/**
 * `npm start`: the feed server. Flags win over the environment (HOST, PORT,
 * WIRELAB_CONTROL_TOKEN, WIRELAB_ACCESS_TOKEN, WIRELAB_ORIGINS, WIRELAB_BROKER,
 * WIRELAB_BROKER_FEED).
 */
function integer(name: string) {
  return (text: string): number => {
    if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`${name} must be a whole number, got "${text}"`);
    return Number(text);
  };
}

const program = new Command('wirelab-server')
  .description('Serve one live event feed over WebSocket, SSE, long polling and short polling.')
  .option('--host <host>', 'address to listen on (HOST)')
  .option('--port <port>', 'port to listen on, 0 for any free port (PORT)', integer('--port'))
  .option('--mode <mode>', 'feed at start: demo, bench or idle')
  .option('--rate <n>', 'bench-mode updates per second', integer('--rate'))
  .option('--payload <bytes>', 'bench-mode message size in bytes', integer('--payload'))
  .option('--history <n>', 'updates kept for resume', integer('--history'))
  .option('--heartbeat-ms <ms>', 'WebSocket ping-frame interval', integer('--heartbeat-ms'))
  .option('--sse-heartbeat-ms <ms>', 'longest SSE silence before a comment line', integer('--sse-heartbeat-ms'))
  .option('--max-buffered-bytes <n>', 'unread output per client before it is cut off', integer('--max-buffered-bytes'))
  .option('--control-token <token>', 'enable /control/* with this Bearer token (WIRELAB_CONTROL_TOKEN)')
  .option('--access-token <token>', 'require this token on every feed endpoint (WIRELAB_ACCESS_TOKEN)')
  .option('--origins <list>', 'comma-separated Origin allow-list (WIRELAB_ORIGINS)')
  .option('--epoch <id>', 'fixed feed epoch id, [a-z0-9]{1,32} (tests and restarts)')
  .option('--ws-deflate <mode>', `WebSocket permessage-deflate: ${WS_DEFLATE_MODES.join(', ')}`)
  .option(
    '--http-compression <coding>',
    `compress SSE streams and poll answers for clients that accept it: ${HTTP_COMPRESSIONS.join(', ')}`,
  )
  .option('--h2c-port <port>', 'also serve cleartext HTTP/2 (prior knowledge) on this port, 0 for any free port', integer('--h2c-port'))
  .option(
    '--tls-port <port>',
    'also serve TLS with ALPN h2 and http/1.1 on this port (with --tls-key and --tls-cert)',
    integer('--tls-port'),
  )
  .option('--tls-key <file>', 'PEM private key of the TLS listener')
  .option('--tls-cert <file>', 'PEM certificate of the TLS listener')
  .option('--h2-max-streams <n>', 'streams one HTTP/2 connection may have open at once', integer('--h2-max-streams'))
  .option('--max-rooms <n>', 'chat rooms that may exist at once', integer('--max-rooms'))
  .option('--room-history <n>', 'chat messages each room keeps for resume', integer('--room-history'))
  .option('--broker <url>', 'share the feed with other instances through Redis, redis://host:port (WIRELAB_BROKER)')
  .option('--broker-feed <name>', 'name of the shared feed, [a-z0-9_-]{1,64} (WIRELAB_BROKER_FEED)')
  .option('--broker-lock-ms <ms>', 'life of the publisher lock: how fast a dead publisher is replaced', integer('--broker-lock-ms'))
  .option('--ready-json', 'print one JSON line {"url","pid","epoch"} when listening, instead of the banner')
  .option('--log', 'log every request (Fastify logger)');

program.parse();
const flags = program.opts<Record<string, string | number | boolean | undefined>>();
const env = process.env;

const options: ServerOptions = {
  host: (flags.host as string | undefined) ?? env.HOST,
  port: (flags.port as number | undefined) ?? (env.PORT === undefined ? undefined : Number(env.PORT)),
  mode: flags.mode as ServerOptions['mode'],
  rate: flags.rate as number | undefined,
  payload: flags.payload as number | undefined,
  historySize: flags.history as number | undefined,
  heartbeatMs: flags.heartbeatMs as number | undefined,
  sseHeartbeatMs: flags.sseHeartbeatMs as number | undefined,
  maxBufferedBytes: flags.maxBufferedBytes as number | undefined,
  controlToken: (flags.controlToken as string | undefined) ?? env.WIRELAB_CONTROL_TOKEN,
  accessToken: (flags.accessToken as string | undefined) ?? env.WIRELAB_ACCESS_TOKEN,
  allowedOrigins: ((flags.origins as string | undefined) ?? env.WIRELAB_ORIGINS)
    ?.split(',')
    .map((origin) => origin.trim())
    .filter(Boolean),
  epoch: flags.epoch as string | undefined,
  wsDeflate: flags.wsDeflate as ServerOptions['wsDeflate'],
  httpCompression: flags.httpCompression as ServerOptions['httpCompression'],
  h2cPort: flags.h2cPort as number | undefined,
  tlsPort: flags.tlsPort as number | undefined,
  h2MaxConcurrentStreams: flags.h2MaxStreams as number | undefined,
  maxRooms: flags.maxRooms as number | undefined,
  roomHistorySize: flags.roomHistory as number | undefined,
  broker: (flags.broker as string | undefined) ?? env.WIRELAB_BROKER,
  brokerFeed: (flags.brokerFeed as string | undefined) ?? env.WIRELAB_BROKER_FEED,
  brokerLockMs: flags.brokerLockMs as number | undefined,
};

try {
  if (typeof flags.tlsKey === 'string') options.tlsKey = readPem(flags.tlsKey, '--tls-key');
  if (typeof flags.tlsCert === 'string') options.tlsCert = readPem(flags.tlsCert, '--tls-cert');
  const server = await buildServer(options, flags.log === true);
  const url = await server.listen();
  const { feed, driver, broker } = server.context;
  const { h2c, https } = server.http2Urls;
  if (flags.readyJson === true) {
    process.stdout.write(
      `${JSON.stringify({ url, pid: process.pid, epoch: feed.epoch, ...(h2c === undefined ? {} : { h2c }), ...(https === undefined ? {} : { https }) })}\n`,
    );
  } else {
    const ws = url.replace(/^http/, 'ws');
    process.stdout.write(
      [
        `wirelab feed server (${driver.settings.mode} mode, epoch ${feed.epoch})`,
        ...(broker === undefined
          ? []
          : [`  broker        ${broker.status().url} (feed ${broker.status().feed}, instance ${broker.instanceId})`]),
        `  dashboard     ${url}/`,
        `  WebSocket     ${ws}/ws`,
        `  SSE           ${url}/sse            try: curl -N ${url}/sse`,
        // With the epoch, as docs/protocol.md asks of every resume: a restarted feed answers with a reset.
        `  long polling  ${url}/long-poll?since=0&epoch=${feed.epoch}`,
        `  short polling ${url}/poll?since=0&epoch=${feed.epoch}`,
        `  stats         ${url}/stats   metrics ${url}/metrics`,
        ...(h2c === undefined ? [] : [`  HTTP/2 (h2c)  ${h2c}   SSE and polling; try: curl --http2-prior-knowledge -N ${h2c}/sse`]),
        ...(https === undefined ? [] : [`  TLS (h2, http/1.1)  ${https}`]),
        `Press Ctrl+C to stop.`,
        '',
      ].join('\n'),
    );
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (flags.readyJson !== true) process.stdout.write(`${signal}: closing connections…\n`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (error) {
  if (error instanceof WirelabError || error instanceof InvalidArgumentError) {
    const code = error instanceof WirelabError ? error.code : 'WL_BAD_OPTION';
    process.stderr.write(`wirelab-server: ${code}: ${error.message}\n`);
    process.exit(2);
  }
  const code = (error as NodeJS.ErrnoException).code;
  process.stderr.write(
    `wirelab-server: cannot start: ${code === 'EADDRINUSE' ? `port already in use (${String(error)})` : String(error)}\n`,
  );
  process.exit(1);
}

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new InvalidArgumentError(`${flag}: cannot read ${file}: ${(error as Error).message}`);
  }
}
