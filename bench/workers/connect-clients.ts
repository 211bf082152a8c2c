import { FeedClientError } from '../../clients/base.js';

/**
 * Local resources a connect can run out of. A client library retries a lost connection with
 * backoff, which is right for a server that is briefly away and wrong for these: retrying
 * only hides that the harness itself cannot open more sockets. During the connect phase the
 * attempt fails at once, counted under its code.
 */
const LOCAL_RESOURCE_ERRORS: Readonly<Record<string, string>> = Object.freeze({
  EMFILE: 'too many open files in this process (its file-descriptor limit, ulimit -n)',
  ENFILE: 'too many open files on this machine (fs.file-max)',
  EADDRNOTAVAIL: 'no local address and port left to connect from (ephemeral ports used up)',
  ENOBUFS: 'no socket buffer space left',
});

/** The code of an error that means a local resource ran out (`EMFILE` …), if it is one. */
export function localResourceCode(error: Error): string | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  return code !== undefined && code in LOCAL_RESOURCE_ERRORS ? code : undefined;
}

/** `EMFILE: too many open files in this process (…): connect EMFILE 127.0.0.1:3000`. */
export function describeLocalResourceError(error: Error): string {
  const code = localResourceCode(error) ?? 'error';
  return `${code}: ${LOCAL_RESOURCE_ERRORS[code] ?? error.message}: ${error.message}`;
}

/** A client that did not receive its first message in time. */
export class ConnectTimeoutError extends Error {
  override readonly name = 'ConnectTimeoutError';
}

/** How a failed connect is counted: a system error's code, `timeout`, `HTTP 503`, a server's `WL_…`, else `error`. */
export function connectFailureCode(error: unknown): string {
  if (error instanceof ConnectTimeoutError) return 'timeout';
  if (error instanceof FeedClientError) {
    if (error.code !== undefined) return error.code;
    if (error.status !== undefined) return `HTTP ${error.status}`;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error) return connectFailureCode(cause);
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code !== '' ? code : 'error';
}

/** One client to connect. */
export interface ConnectAttempt {
  connect(): Promise<void>;
  /** Closes a client that failed to connect, so it cannot join later and skew the counts. */
  abandon(): Promise<void>;
  /** While the connect runs, `fail` ends it at once with that error; undefined afterwards. */
  watchFailure(fail: ((error: Error) => void) | undefined): void;
}

export interface ConnectOutcome {
  connected: number;
  failed: number;
  /** Failed clients by {@link connectFailureCode}; `not tried` for those skipped after a stall. */
  failedBy: Record<string, number>;
  /** The first few distinct failure messages. */
  errors: string[];
}

const MAX_ERROR_SAMPLES = 5;

/**
 * Connects `count` clients made by `start`, at most `concurrency` at a time. A client that
 * has not received its first message `timeoutMs` after it started has failed. When no client
 * at all has connected for `timeoutMs` and some have failed, the server (or this machine) has
 * stopped taking connections: the clients not started yet are counted as failed (`not tried`)
 * instead of each waiting out its own timeout, which would take `count ÷ concurrency`
 * timeouts.
 */
export async function connectClients(
  count: number,
  start: (index: number) => ConnectAttempt,
  settings: { concurrency: number; timeoutMs: number; onFailed?: (failed: number) => void },
): Promise<ConnectOutcome> {
  const outcome: ConnectOutcome = { connected: 0, failed: 0, failedBy: {}, errors: [] };
  let next = 0;
  let lastConnectedAt = performance.now();
  const fail = (code: string, message: string, clients = 1): void => {
    outcome.failed += clients;
    outcome.failedBy[code] = (outcome.failedBy[code] ?? 0) + clients;
    settings.onFailed?.(outcome.failed);
    if (outcome.errors.length < MAX_ERROR_SAMPLES && !outcome.errors.includes(message)) outcome.errors.push(message);
  };
  const opener = async (): Promise<void> => {
    while (next < count) {
      if (outcome.failed > 0 && performance.now() - lastConnectedAt >= settings.timeoutMs) {
        const rest = count - next;
        next = count;
        fail('not tried', `${rest} clients not tried: none connected in the last ${settings.timeoutMs} ms`, rest);
        return;
      }
      const attempt = start(next++);
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          attempt.connect(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new ConnectTimeoutError(`no first message within ${settings.timeoutMs} ms`)),
              settings.timeoutMs,
            );
            attempt.watchFailure(reject);
          }),
        ]);
        outcome.connected += 1;
        lastConnectedAt = performance.now();
      } catch (error) {
        const resource = error instanceof Error ? localResourceCode(error) : undefined;
        const message =
          resource !== undefined ? describeLocalResourceError(error as Error) : error instanceof Error ? error.message : String(error);
        fail(connectFailureCode(error), message);
        await attempt.abandon().catch(() => undefined);
      } finally {
        clearTimeout(timer);
        attempt.watchFailure(undefined);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.concurrency, count) }, opener));
  return outcome;
}
