import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { TRANSPORT_NAMES, byTransport } from '../stats.js';

/** Everything `GET /stats` reports; docs/metrics.md defines each figure. */
export function statsSnapshot(context: ServerContext) {
  const { feed, driver, stats, broker } = context;
  const settings = driver.settings;
  return {
    epoch: feed.epoch,
    feed: {
      head: feed.head,
      oldest: feed.oldest,
      published: feed.publishedCount,
      historySize: feed.historySize,
      mode: settings.mode,
      rate: settings.rate,
      payload: settings.payload,
    },
    transports: byTransport((name) => ({ ...stats.transports[name], ...stats.bytes(name) })),
    pings: stats.pings,
    chat: { relayed: stats.chatRelayed, refused: stats.chatRefused, rooms: context.rooms.count },
    process: stats.process(),
    /** Only with `--broker`: this instance's link to the shared feed. */
    ...(broker === undefined ? {} : { broker: broker.status() }),
  };
}

type Snapshot = ReturnType<typeof statsSnapshot>;

const TRANSPORT_METRICS: ReadonlyArray<[keyof Snapshot['transports']['ws'], string, 'gauge' | 'counter', string]> = [
  ['connections', 'wirelab_connections', 'gauge', 'Open connections: WebSockets, SSE streams, held long polls.'],
  ['accepted', 'wirelab_accepted_total', 'counter', 'Connections or poll requests accepted.'],
  ['requests', 'wirelab_http_requests_total', 'counter', 'HTTP requests, WebSocket upgrades included.'],
  ['messagesSent', 'wirelab_messages_sent_total', 'counter', 'Feed messages written to clients.'],
  ['slowConsumersDropped', 'wirelab_slow_consumers_dropped_total', 'counter', 'Clients cut off for not reading.'],
  ['errors', 'wirelab_client_errors_total', 'counter', 'Client messages refused with an error.'],
  ['bytesSent', 'wirelab_bytes_sent_total', 'counter', 'Bytes written to client sockets, headers and framing included.'],
  ['bytesReceived', 'wirelab_bytes_received_total', 'counter', 'Bytes read from client sockets.'],
];

/** The Prometheus text exposition format (version 0.0.4) of a stats snapshot. */
export function prometheusText(snapshot: Snapshot): string {
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, samples: Array<[string, number]>): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  };
  for (const [key, name, type, help] of TRANSPORT_METRICS) {
    metric(
      name,
      type,
      help,
      TRANSPORT_NAMES.map((transport) => [`{transport="${transport}"}`, snapshot.transports[transport][key]]),
    );
  }
  const { feed, process: proc } = snapshot;
  metric('wirelab_feed_head', 'gauge', 'Seq of the last published update.', [['', feed.head]]);
  metric('wirelab_feed_published_total', 'counter', 'Updates published.', [['', feed.published]]);
  metric('wirelab_pings_total', 'counter', 'PINGs answered over HTTP.', [['', snapshot.pings]]);
  metric('wirelab_chat_relayed_total', 'counter', 'Chat messages relayed to their room.', [['', snapshot.chat.relayed]]);
  metric('wirelab_chat_refused_total', 'counter', 'Chat messages refused by the rate limit.', [['', snapshot.chat.refused]]);
  if (snapshot.broker !== undefined) {
    const { broker } = snapshot;
    metric('wirelab_broker_up', 'gauge', 'Whether this instance is in touch with the feed broker (1) or not (0).', [
      ['', broker.up ? 1 : 0],
    ]);
    metric('wirelab_broker_publisher', 'gauge', 'Whether this instance holds the publisher lock.', [['', broker.publisher ? 1 : 0]]);
    metric('wirelab_broker_outages_total', 'counter', 'Times this instance lost the broker.', [['', broker.outages]]);
    metric('wirelab_broker_published_total', 'counter', 'Updates this instance wrote to the stream as publisher.', [
      ['', broker.published],
    ]);
    metric('wirelab_broker_publish_refused_total', 'counter', 'Updates a source offered that never reached the stream.', [
      ['', broker.publishRefused],
    ]);
    metric('wirelab_broker_resets_total', 'counter', 'Times this instance had to reset its clients (new epoch, or history lost).', [
      ['', broker.resets],
    ]);
  }
  metric('wirelab_process_cpu_seconds_total', 'counter', 'Server CPU time, user and system, since the last counter reset.', [
    ['{mode="user"}', proc.cpuUserMicros / 1e6],
    ['{mode="system"}', proc.cpuSystemMicros / 1e6],
  ]);
  metric('wirelab_process_resident_memory_bytes', 'gauge', 'Resident set size.', [['', proc.rssBytes]]);
  metric('wirelab_event_loop_delay_seconds', 'gauge', 'Event-loop delay since the last counter reset.', [
    ['{quantile="0.5"}', proc.eventLoopDelayMs.p50 / 1000],
    ['{quantile="0.99"}', proc.eventLoopDelayMs.p99 / 1000],
  ]);
  return `${lines.join('\n')}\n`;
}

export default async function statsRoutes(app: FastifyInstance): Promise<void> {
  app.get('/stats', async () => statsSnapshot(app.wirelab));
  app.get('/metrics', async (_request, reply) => {
    void reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    return prometheusText(statsSnapshot(app.wirelab));
  });
}
