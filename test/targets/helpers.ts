import { createClient } from '../../clients/index.js';
import { MarkerScanner } from '../../clients/codecs/marker.js';
import { parsePollCursor } from '../../clients/poll-cursor.js';
import type { FeedClient, FeedClientOptions, ForeignFeed } from '../../clients/types.js';
import type { ProtocolName } from '../../wire/protocols.js';
import { HttpPublishTransport } from '../../bench/target/publish-http.js';
import { Publisher, type PublisherResult } from '../../bench/target/publisher.js';
import type { PublishTransport } from '../../bench/target/publish-transport.js';
import { Recorder } from '../clients/helpers.js';

export interface Subscriber {
  readonly client: FeedClient;
  readonly recorder: Recorder;
}

export interface SubscriberOptions {
  protocol: ProtocolName;
  url: string;
  run: string;
  count: number;
  foreign?: Partial<ForeignFeed>;
  extra?: Partial<FeedClientOptions>;
}

/** `count` clients of one protocol on a foreign endpoint, each with its own recorder, connected. */
export async function subscribe(options: SubscriberOptions): Promise<Subscriber[]> {
  const subscribers = Array.from({ length: options.count }, (_, index) => {
    const recorder = new Recorder();
    const client = createClient({
      url: options.url,
      protocol: options.protocol,
      handlers: recorder,
      id: `${options.protocol}-${index}`,
      pollIntervalMs: 50,
      longPollTimeoutMs: 20_000,
      reconnect: { initialDelayMs: 50, maxDelayMs: 500, jitter: 0 },
      foreign: { decoder: new MarkerScanner(options.run), ...options.foreign },
      ...options.extra,
    });
    return { client, recorder };
  });
  await Promise.all(subscribers.map(({ client }) => client.connect()));
  return subscribers;
}

export async function closeAll(subscribers: readonly Subscriber[]): Promise<void> {
  await Promise.all(subscribers.map(({ client }) => client.close()));
}

/** Publishes `count` marked messages through `transport` at `rate`; resolves once every one settled. */
export function publish(
  transport: PublishTransport,
  run: string,
  count: number,
  options: { rate?: number; payload?: number; firstSeq?: number; bodyTemplate?: string } = {},
): Promise<PublisherResult> {
  const publisher = new Publisher({
    transport,
    run,
    rate: options.rate ?? 500,
    payload: options.payload ?? 128,
    maxMessages: count,
    durationMs: 30_000,
    maxInFlight: 1,
    ...(options.firstSeq === undefined ? {} : { firstSeq: options.firstSeq }),
    ...(options.bodyTemplate === undefined ? {} : { bodyTemplate: options.bodyTemplate }),
  });
  return publisher.start();
}

export function httpPublisher(url: string, extra: { insecure?: boolean; headers?: Record<string, string> } = {}): HttpPublishTransport {
  return new HttpPublishTransport({ url, ...extra });
}

export const NCHAN_CURSOR = parsePollCursor('etag+last-modified');

/** Waits until every subscriber has seen seq `last`. */
export async function untilAll(subscribers: readonly Subscriber[], last: number, timeoutMs = 10_000): Promise<void> {
  await Promise.all(subscribers.map(({ recorder }) => recorder.until((r) => r.seqs.includes(last), timeoutMs, `seq ${last}`)));
}
