import { asError, FeedClientError, httpError, isRetryableStatus } from './base.js';
import { HttpFeedClient, MAX_ANSWER_BYTES, type Answer } from './http.js';
import { PollAnswerReader } from './poll-answer.js';
import type { FeedClientOptions } from './types.js';

/**
 * What long and short polling share: one GET at a time on the client's keep-alive socket,
 * the answer `{"epoch","next","events"}` read without JSON.parse, `next` kept as the cursor.
 * The subclasses decide only when the next request goes out.
 */
export abstract class PollingClient extends HttpFeedClient {
  /** The `since` of the next request: the last answer's `next`. */
  private cursor: number | undefined;
  private readonly reader = new PollAnswerReader();
  /**
   * Retry at once, once, a request that failed on a reused keep-alive socket before any
   * answer: the server closed the idle socket just as it was reused (what browsers retry
   * silently too). Short polling only: a held long poll that breaks is a real drop.
   */
  protected retryStaleSocket = false;

  constructor(options: FeedClientOptions) {
    super(options);
    this.cursor = options.since;
  }

  /**
   * Sends one poll for attempt `generation`; on a good answer delivers its events and calls
   * `then(generation)`. A failed request, a 5xx/429 or a malformed answer is a lost
   * connection (reconnect with backoff); any other 4xx stops the client.
   */
  protected poll(generation: number, path: string, extraQuery: string, timeoutMs: number, then: (generation: number) => void, retry = false): void {
    const cursor = this.cursorQuery(this.cursor);
    const query = cursor === '' ? extraQuery : extraQuery === '' ? cursor : `${cursor}&${extraQuery}`;
    const req = this.request('GET', query === '' ? path : `${path}?${query}`, this.headers, this.agent, timeoutMs);
    this.current = req;
    let answered = false;
    req.once('response', () => {
      answered = true;
    });
    this.exchange(req, MAX_ANSWER_BYTES).then(
      (answer) => {
        if (generation !== this.generation) return;
        this.current = undefined;
        if (this.deliver(generation, path, answer)) then(generation);
      },
      (error: unknown) => {
        if (generation !== this.generation) return;
        const cause = asError(error);
        if (this.retryStaleSocket && !retry && !answered && req.reusedSocket && isConnectionReset(cause)) {
          this.poll(generation, path, extraQuery, timeoutMs, then, true);
          return;
        }
        this.lost(generation, { reason: `GET ${path}: ${cause.message}`, error: cause });
      },
    );
    req.end();
  }

  /** Delivers one answer; false when the attempt ended (error, or closed by a handler). */
  private deliver(generation: number, path: string, answer: Answer): boolean {
    const { status, body, receivedAt } = answer;
    if (status !== 200) {
      const error = httpError(status, body, `GET ${path}`);
      if (isRetryableStatus(status)) this.lost(generation, { code: status, reason: error.message, error });
      else this.fail(generation, error);
      return false;
    }
    const reader = this.reader;
    if (!reader.read(body, this.epoch)) {
      const error = new FeedClientError(`GET ${path}: bad answer: ${reader.error}`);
      this.lost(generation, { reason: error.message, error });
      return false;
    }
    if (reader.epoch !== this.epoch) this.setEpoch(reader.epoch);
    this.cursor = reader.next;
    this.markOpen(receivedAt);
    const count = reader.count;
    if (count === 0) {
      this.counters.emptyPolls += 1;
      return generation === this.generation;
    }
    const ranges = reader.ranges;
    for (let i = 0; i < count && generation === this.generation; i++) {
      this.receive(body, ranges[2 * i]!, ranges[2 * i + 1]!, receivedAt);
    }
    return generation === this.generation;
  }
}

function isConnectionReset(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}
