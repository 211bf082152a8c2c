/**
 * Receive-only runs against a server that publishes on its own (docs/targets.md,
 * `--timestamp-field PATH --timestamp-clock CLOCK`): the send time the server wrote into each
 * message, read from the message's JSON at PATH and turned into µs since the Unix epoch, so the
 * receiver can subtract it from its own wall clock. The two clocks are different machines'
 * (or processes'): the latency it gives includes their difference.
 */

export const TIMESTAMP_CLOCKS = Object.freeze(['epoch-s', 'epoch-ms', 'epoch-us', 'epoch-ns', 'iso'] as const);
export type TimestampClock = (typeof TIMESTAMP_CLOCKS)[number];

/** µs per unit of each numeric clock. */
const MICROS_PER_UNIT: Readonly<Record<Exclude<TimestampClock, 'iso'>, number>> = Object.freeze({
  'epoch-s': 1_000_000,
  'epoch-ms': 1000,
  'epoch-us': 1,
  'epoch-ns': 0.001,
});

/** A path into a JSON value: names and array indexes joined by `.` (`-1` is the last item). */
export type JsonPath = readonly (string | number)[];

/** `data.sentAt` → ['data', 'sentAt'], `items.-1.at` → ['items', -1, 'at']; throws on an empty part. */
export function parseJsonPath(text: string): JsonPath {
  const parts = text.split('.');
  if (text === '' || parts.some((part) => part === ''))
    throw new TypeError(`must be names and indexes joined by '.', like ts or data.sentAt, got ${JSON.stringify(text)}`);
  return parts.map((part) => (/^-?\d+$/.test(part) ? Number(part) : part));
}

export function isTimestampClock(value: string): value is TimestampClock {
  return (TIMESTAMP_CLOCKS as readonly string[]).includes(value);
}

/** The value at `path` in `value`, or undefined when a step is missing. */
export function valueAt(value: unknown, path: JsonPath): unknown {
  let current = value;
  for (const part of path) {
    if (typeof part === 'number' && Array.isArray(current)) current = current[part < 0 ? current.length + part : part];
    else if (current !== null && typeof current === 'object' && !Array.isArray(current))
      current = (current as Record<string, unknown>)[String(part)];
    else return undefined;
  }
  return current;
}

/** Reads a message's own send time; one per client thread (it keeps no state between messages). */
export class TimestampReader {
  constructor(
    readonly path: JsonPath,
    readonly clock: TimestampClock,
  ) {}

  /** The send time in `buf[start, end)` as µs since the epoch, or undefined (not JSON, no value at the path, not a time). */
  read(buf: Buffer, start: number, end: number): number | undefined {
    let parsed: unknown;
    try {
      parsed = JSON.parse(buf.toString('utf8', start, end));
    } catch {
      return undefined;
    }
    return toEpochMicros(valueAt(parsed, this.path), this.clock);
  }
}

/** A JSON value as µs since the epoch on `clock`: numbers, or numeric strings, or an ISO 8601 text for `iso`. */
export function toEpochMicros(value: unknown, clock: TimestampClock): number | undefined {
  if (clock === 'iso') {
    if (typeof value !== 'string') return undefined;
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms * 1000 : undefined;
  }
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(number) || number <= 0) return undefined;
  return Math.round(number * MICROS_PER_UNIT[clock]);
}
