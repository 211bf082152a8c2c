import { createClient } from 'redis';

/** One Redis connection speaking RESP2, so replies are plain arrays and strings. */
export type RedisConnection = ReturnType<typeof newClient>;

/** How long one connection attempt may take. */
const CONNECT_TIMEOUT_MS = 2000;
/** Attempts at start-up before the server gives up (it has not served anyone yet). */
const STARTUP_ATTEMPTS = 3;
/** Reconnect delays after a connection that worked is lost: doubling, capped, never giving up. */
const RECONNECT_FIRST_MS = 50;
const RECONNECT_MAX_MS = 1000;

export interface ConnectionHooks {
  /** The connection is ready for commands (first connect and every reconnect). */
  onReady(): void;
  /** The connection was lost or failed; the client reconnects by itself. */
  onDown(error: Error): void;
}

function newClient(url: string, name: string, reconnectStrategy: (retries: number, cause: Error) => number | Error) {
  return createClient({
    url,
    name,
    RESP: 2,
    // A command while the broker is down fails at once instead of waiting in an unbounded queue.
    disableOfflineQueue: true,
    socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy },
  });
}

/**
 * Opens a connection; rejects if the broker cannot be reached at start-up. Once it has worked
 * it reconnects forever after a loss, reporting each loss and each return through `hooks`.
 */
export async function openConnection(url: string, name: string, hooks: ConnectionHooks): Promise<RedisConnection> {
  let everReady = false;
  const client = newClient(url, name, (retries, cause) => {
    if (!everReady) return retries + 1 < STARTUP_ATTEMPTS ? RECONNECT_FIRST_MS * 2 ** retries : cause;
    return Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** retries);
  });
  // Without a listener an 'error' event would end the process; every loss is reported instead.
  client.on('error', (error: Error) => {
    if (everReady) hooks.onDown(error);
  });
  client.on('ready', () => {
    everReady = true;
    hooks.onReady();
  });
  await client.connect();
  return client;
}

/** Closes a connection at once, failing whatever is still waiting on it. */
export function closeConnection(client: RedisConnection): void {
  if (client.isOpen) client.destroy();
}

/** The reason of a failed command or connection, for reports. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code !== undefined && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
  }
  return String(error);
}
