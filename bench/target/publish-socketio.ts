import { MarkerScanner } from '../../clients/codecs/marker.js';
import { SocketIoWsClient } from '../../clients/socketio.js';
import { printableUrl, PUBLISHED, type PublishOutcome, type PublishTransport } from './publish-transport.js';

export interface SocketIoPublishOptions {
  /** The Socket.IO server (`http(s)://host:port`, its path `/socket.io/` unless given). */
  url: string;
  /** The event emitted; the server must relay it to every other client and acknowledge it. */
  event: string;
  /** @default '/' */
  namespace?: string;
  headers?: Readonly<Record<string, string>>;
  insecure?: boolean;
  /** An emit not acknowledged by then fails with reason `timeout`. @default 10000 */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Publishes by emitting an event from one publisher connection (Socket.IO over WebSocket),
 * asking for an acknowledgement: the ack is the server's receipt, the publish-call latency.
 * The connection is opened on the first publish; a lost one reconnects with backoff.
 */
export class SocketIoPublishTransport implements PublishTransport {
  readonly describe: string;
  private readonly client: SocketIoWsClient;
  private readonly event: string;
  private readonly timeoutMs: number;
  private ready: Promise<void> | undefined;

  constructor(options: SocketIoPublishOptions) {
    const url = options.url.replace(/^http/, 'ws');
    this.event = options.event;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.describe = `Socket.IO emit "${options.event}" on ${printableUrl(options.url)}`;
    this.client = new SocketIoWsClient({
      url,
      protocol: 'ws',
      id: 'publisher',
      handlers: { onUpdate() {} },
      ...(options.headers === undefined ? {} : { headers: { ...options.headers } }),
      insecure: options.insecure ?? false,
      // The server relays to the others: the publisher itself receives nothing to scan.
      foreign: { decoder: new MarkerScanner('0000'), socketio: { namespace: options.namespace ?? '/' } },
    });
  }

  async send(body: string): Promise<PublishOutcome> {
    let timer: NodeJS.Timeout | undefined;
    try {
      this.ready ??= this.client.connect();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), this.timeoutMs);
      });
      await Promise.race([this.ready.then(() => this.client.emitWithAck(this.event, body)), timeout]);
      return PUBLISHED;
    } catch (error) {
      if (this.client.state === 'closed') this.ready = undefined;
      return { ok: false, reason: (error as Error).message === 'timeout' ? 'timeout' : (error as Error).message };
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
