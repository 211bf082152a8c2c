/**
 * How the harness hands one message to the server under test. A transport never rejects: a
 * failed publish is an outcome with the reason (`HTTP 503`, `ECONNREFUSED`, `timeout`, …),
 * counted by the publisher; failures are results, not errors.
 */
export interface PublishTransport {
  /** What it publishes to, for the run's header line: no credentials, no header values. */
  readonly describe: string;
  /** Sends `body`; resolves once the server acknowledged it (or with why it failed). */
  send(body: string): Promise<PublishOutcome>;
  /** Releases its connections; resolves when they are closed. */
  close(): Promise<void>;
}

export type PublishOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export const PUBLISHED: PublishOutcome = Object.freeze({ ok: true });

/** `url` without user name, password, query or fragment: safe to print. */
export function printableUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}
