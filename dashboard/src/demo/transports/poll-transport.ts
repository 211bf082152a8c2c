import { postPing } from './http-ping.js';
import type { PollLoop } from './poll-loop.js';
import type { Cursor, TransportSink } from './types.js';

/** What both pollings share as transports: the feed through a {@link PollLoop}, PING by `POST /ping`. */
export abstract class PollTransport {
  constructor(
    private readonly sink: TransportSink,
    private readonly loop: PollLoop,
  ) {}

  open(cursor: Cursor): void {
    this.loop.start(cursor);
  }

  ping(id: string, ts: number): void {
    postPing(id, ts, this.sink);
  }

  close(): void {
    this.loop.stop();
  }
}
