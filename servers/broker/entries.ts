/** One Stream entry as RESP2 returns it, its fields as a record. */
export interface StreamEntry {
  readonly id: string;
  readonly fields: Readonly<Record<string, string>>;
}

type RawEntry = [string, string[]];

/** Entries of an XRANGE / XREVRANGE reply. */
export function parseEntries(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) return [];
  return (reply as RawEntry[]).map(([id, flat]) => ({ id, fields: pairs(flat) }));
}

/** Entries of an XREAD reply, by stream key; null (timed out) gives an empty map. */
export function parseXRead(reply: unknown): Map<string, StreamEntry[]> {
  const byStream = new Map<string, StreamEntry[]>();
  if (!Array.isArray(reply)) return byStream;
  for (const [key, entries] of reply as Array<[string, RawEntry[]]>) byStream.set(key, parseEntries(entries));
  return byStream;
}

/** A flat `[field, value, …]` list (RESP2 hashes and entries) as a record. */
export function pairs(flat: readonly string[] | unknown): Record<string, string> {
  const record: Record<string, string> = {};
  if (!Array.isArray(flat)) return record;
  for (let index = 0; index + 1 < flat.length; index += 2) record[String(flat[index])] = String(flat[index + 1]);
  return record;
}

/** The feed seq of a stream id `SEQ-0`; NaN for an id the feed did not write. */
export function seqOfId(id: string): number {
  const match = /^(\d{1,16})-0$/.exec(id);
  return match === null ? Number.NaN : Number(match[1]);
}
