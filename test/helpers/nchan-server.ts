import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from '../clients/helpers.js';

export const NGINX_BINARY = '/usr/sbin/nginx';
export const NCHAN_MODULE = '/usr/lib/nginx/modules/ngx_nchan_module.so';

/** How long nginx may take to answer on its port before the fixture gives up. */
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;

export interface NchanOptions {
  /** `master_process on` with this many workers, or a single process (`off`). @default off */
  masterProcess?: boolean;
  /** Workers when the master process is on. @default 1 */
  workers?: number;
  /** `nchan_message_buffer_length` of the publisher location: messages kept per channel. @default 1000 */
  bufferLength?: number;
  /** `nchan_message_timeout` in seconds. @default 300 */
  messageTimeoutSeconds?: number;
  /** `nchan_subscriber_timeout` in seconds: a held long poll is answered 408 after this. @default 20 */
  subscriberTimeoutSeconds?: number;
  /** Serve HTTPS (and WSS) with this certificate and key (PEM files). */
  tls?: { certFile: string; keyFile: string };
}

export interface RunningNchan {
  /** `http://127.0.0.1:PORT` (https: with TLS). */
  readonly url: string;
  readonly port: number;
  /** The nginx master (or only) process we started. */
  readonly pid: number;
  /** The config file written for this server. */
  readonly configFile: string;
  /** The master and its workers, read from /proc. */
  pids(): Promise<number[]>;
  /** Stops nginx by its PID and removes the temp folder. */
  stop(): Promise<void>;
}

/**
 * nginx with the nchan module from Debian, started by the test: a config in a temp folder
 * (`daemon off`, a free loopback port, pid file, error log and temp paths inside the folder, so
 * it runs as root without touching /var), and these locations:
 *
 * - `POST /pub/CHANNEL` publishes (`nchan_publisher`, buffer and timeout as given);
 * - `/sub/CHANNEL` serves WebSocket, EventSource and long-poll;
 * - `/poll/CHANNEL` serves interval-poll (nchan cannot tell it from long-poll on one location).
 *
 * New subscribers start at the oldest buffered message (`nchan_subscriber_first_message
 * oldest`, nchan's default): a long poll is only subscribed once its request has reached nginx,
 * which the client cannot see, so with `newest` a message published just after the client
 * connected could be missed; and an interval poll without a cursor would never see anything.
 * - `/ready` answers 200 (the fixture's readiness check).
 */
export async function startNchan(options: NchanOptions = {}): Promise<RunningNchan> {
  if (!existsSync(NGINX_BINARY) || !existsSync(NCHAN_MODULE))
    throw new Error(`nginx with the nchan module is needed (${NGINX_BINARY}, ${NCHAN_MODULE}): apt-get install libnginx-mod-nchan`);
  const dir = await mkdtemp(join(tmpdir(), 'wirelab-nchan-'));
  // nginx started as root runs its workers as `nobody`: they must reach the temp paths.
  await chmod(dir, 0o755);
  const temp = join(dir, 'temp');
  await mkdir(temp, { mode: 0o777 });
  await chmod(temp, 0o777);
  const port = await closedPort();
  const configFile = join(dir, 'nginx.conf');
  const errorLog = join(dir, 'error.log');
  await writeFile(configFile, nginxConfig({ dir, temp, port, errorLog, options }));

  const child = spawn(NGINX_BINARY, ['-p', dir, '-c', configFile, '-e', errorLog], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 8192) stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  const scheme = options.tls === undefined ? 'http' : 'https';
  const url = `${scheme}://127.0.0.1:${port}`;

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    if (!spawned || child.pid === undefined) throw new Error(`could not start ${NGINX_BINARY}`);
    await waitUntilReady(port, exited, options.tls !== undefined);
  } catch (error) {
    const log = await readFile(errorLog, 'utf8').catch(() => '');
    await stop();
    throw new Error(`nginx + nchan did not start: ${(error as Error).message}\n${stderr}${log}`);
  }
  const pid = child.pid;
  return {
    url,
    port,
    pid,
    configFile,
    async pids() {
      const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
      return [
        pid,
        ...children
          .split(/\s+/)
          .filter((part) => part !== '')
          .map(Number),
      ];
    },
    stop,
  };
}

function nginxConfig({
  dir,
  temp,
  port,
  errorLog,
  options,
}: {
  dir: string;
  temp: string;
  port: number;
  errorLog: string;
  options: NchanOptions;
}): string {
  const master = options.masterProcess ?? false;
  const buffer = options.bufferLength ?? 1000;
  const messageTimeout = options.messageTimeoutSeconds ?? 300;
  const subscriberTimeout = options.subscriberTimeoutSeconds ?? 20;
  const tls = options.tls;
  const listen =
    tls === undefined
      ? `listen 127.0.0.1:${port};`
      : `listen 127.0.0.1:${port} ssl;\n    ssl_certificate ${tls.certFile};\n    ssl_certificate_key ${tls.keyFile};`;
  return `# written by the wirelab tests; removed when the test stops this server
load_module ${NCHAN_MODULE};
daemon off;
master_process ${master ? 'on' : 'off'};
worker_processes ${master ? (options.workers ?? 1) : 1};
pid ${join(dir, 'nginx.pid')};
error_log ${errorLog} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${join(temp, 'body')};
  proxy_temp_path ${join(temp, 'proxy')};
  fastcgi_temp_path ${join(temp, 'fastcgi')};
  uwsgi_temp_path ${join(temp, 'uwsgi')};
  scgi_temp_path ${join(temp, 'scgi')};
  keepalive_requests 100000;
  server {
    ${listen}
    location = /ready { return 200 "ready\\n"; }
    location ~ ^/pub/(\\w+)$ {
      nchan_publisher;
      nchan_channel_id $1;
      nchan_message_buffer_length ${buffer};
      nchan_message_timeout ${messageTimeout}s;
    }
    location ~ ^/sub/(\\w+)$ {
      nchan_subscriber websocket eventsource longpoll;
      nchan_channel_id $1;
      nchan_subscriber_first_message oldest;
      nchan_subscriber_timeout ${subscriberTimeout};
    }
    location ~ ^/poll/(\\w+)$ {
      nchan_subscriber intervalpoll;
      nchan_channel_id $1;
      nchan_subscriber_first_message oldest;
    }
  }
}
`;
}

/** Asks GET /ready until it answers 200; fails at once if nginx exits, or after START_TIMEOUT_MS. */
async function waitUntilReady(port: number, exited: Promise<number | null>, secure: boolean): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  for (;;) {
    if (gone) throw new Error('nginx exited');
    if (await answers(port, secure)) return;
    if (Date.now() > deadline) throw new Error(`no answer on port ${port} within ${START_TIMEOUT_MS} ms`);
    // nginx gives no signal when it has bound its port: ask again shortly.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function answers(port: number, secure: boolean): Promise<boolean> {
  const send = secure ? httpsRequest : request;
  return new Promise((resolve) => {
    const req = send({ host: '127.0.0.1', port, path: '/ready', agent: false, ...(secure ? { rejectUnauthorized: false } : {}) }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}
