import http from 'node:http';
import https from 'node:https';
import { PUBLISHED, printableUrl, type PublishOutcome, type PublishTransport } from './publish-transport.js';

export interface HttpPublishOptions {
  /** The publish endpoint, http(s). */
  url: string;
  /** @default 'POST' */
  method?: string;
  /** Sent with every publish; a `content-type` here replaces the default `text/plain`. */
  headers?: Readonly<Record<string, string>>;
  /** Accept a certificate that does not verify. @default false */
  insecure?: boolean;
  /** A publish not answered by then fails with reason `timeout`. @default 10000 */
  timeoutMs?: number;
  /** Keep-alive connections at most: the publisher's in-flight bound. @default 1 */
  maxSockets?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Publishes by an HTTP request with the message as the body (nchan's `POST /pub/CHANNEL`, or
 * any endpoint of a generic server), on keep-alive connections. A 2xx answer is the server's
 * acknowledgement; anything else is a failure named by its status.
 */
export class HttpPublishTransport implements PublishTransport {
  readonly describe: string;
  private readonly url: URL;
  private readonly method: string;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly timeoutMs: number;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;

  constructor(options: HttpPublishOptions) {
    this.url = new URL(options.url);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:')
      throw new TypeError(`publish URL must be http: or https:, got ${JSON.stringify(options.url)}`);
    this.method = (options.method ?? 'POST').toUpperCase();
    const headers: Record<string, string> = { 'content-type': 'text/plain' };
    for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
    this.headers = headers;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const secure = this.url.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 1 };
    this.agent = secure
      ? new https.Agent({ ...agentOptions, rejectUnauthorized: options.insecure !== true })
      : new http.Agent(agentOptions);
    this.request = secure ? https.request : http.request;
    this.describe = `${this.method} ${printableUrl(options.url)}`;
  }

  send(body: string): Promise<PublishOutcome> {
    return new Promise<PublishOutcome>((resolve) => {
      let settled = false;
      const settle = (outcome: PublishOutcome): void => {
        if (settled) return;
        settled = true;
        resolve(outcome);
      };
      const req = this.request(this.url, {
        method: this.method,
        headers: { ...this.headers, 'content-length': Buffer.byteLength(body) },
        agent: this.agent,
        timeout: this.timeoutMs,
      });
      req.on('response', (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        res.on('end', () => settle(status >= 200 && status < 300 ? PUBLISHED : { ok: false, reason: `HTTP ${status}` }));
        res.on('error', (error: NodeJS.ErrnoException) => settle({ ok: false, reason: error.code ?? error.message }));
      });
      req.on('timeout', () => {
        settle({ ok: false, reason: 'timeout' });
        req.destroy();
      });
      req.on('error', (error: NodeJS.ErrnoException) => settle({ ok: false, reason: error.code ?? error.message }));
      req.end(body);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
