import { httpUrl, wireError, type Query } from '../../http.js';
import type { Cursor, ServerMessage, TransportSink } from './types.js';
import { cursorQuery, utf8Length } from './types.js';

/** The answer of `GET /long-poll` and `GET /poll` (docs/protocol.md section 3). */
interface PollAnswer {
  epoch: string;
  next: number;
  events: ServerMessage[];
}

/**
 * The request loop both pollings share: ask for everything after the cursor, hand over the
 * messages, ask again (at once for long polling, after the interval for short polling). Any
 * failed request ends the loop with `dropped`; the owner decides when to start a new one.
 */
export class PollLoop {
  private readonly abort = new AbortController();
  private openedOnce = false;
  private closed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly sink: TransportSink,
    private readonly path: string,
    private readonly extraQuery: Query,
    private readonly pauseMs: number,
  ) {}

  start(first: Cursor): void {
    void this.poll(first);
  }

  stop(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.abort.abort();
  }

  private async poll(cursor: Cursor): Promise<void> {
    if (this.closed) return;
    const query: Query = { ...this.extraQuery, ...cursorQuery(cursor) };
    this.sink.request();
    let response: Response;
    let text: string;
    try {
      response = await fetch(httpUrl(this.path, query), { signal: this.abort.signal, cache: 'no-store' });
      if (!response.ok) {
        const error = await wireError(response);
        this.finish({
          reason: `${this.path} answered ${error.status} ${error.code}: ${error.message}`,
          error,
          neverOpened: !this.openedOnce,
        });
        return;
      }
      text = await response.text();
    } catch (error) {
      this.finish({
        reason: `${this.path} request failed: the server cannot be reached (${String(error)})`,
        neverOpened: !this.openedOnce,
      });
      return;
    }
    if (this.closed) return;
    let answer: PollAnswer;
    try {
      answer = JSON.parse(text) as PollAnswer;
      if (!Array.isArray(answer.events)) throw new Error('no events array');
    } catch (error) {
      this.finish({ reason: `${this.path} answer is not a poll answer: ${String(error)}`, neverOpened: !this.openedOnce });
      return;
    }
    if (!this.openedOnce) {
      this.openedOnce = true;
      this.sink.opened();
    }
    const share = answer.events.length > 0 ? Math.round(utf8Length(text) / answer.events.length) : 0;
    for (const message of answer.events) {
      if (this.closed) return;
      this.sink.message(message, share);
    }
    if (this.pauseMs > 0) {
      this.timer = setTimeout(() => void this.poll(this.sink.cursor()), this.pauseMs);
    } else {
      void this.poll(this.sink.cursor());
    }
  }

  private finish(info: Parameters<TransportSink['dropped']>[0]): void {
    if (this.closed) return;
    this.closed = true;
    this.sink.dropped(info);
  }
}
