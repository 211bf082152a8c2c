import type { ResponseHead } from './codecs/http-response.js';

/**
 * How a foreign polling endpoint is told where the client is: nothing (`none`), the HTTP cache
 * validators of the last answer (`etag` → `If-None-Match`, `last-modified` →
 * `If-Modified-Since`, or both, as nchan needs), or a query parameter whose value is taken from
 * the last answer, from a JSON field (a dotted path; a negative index counts from the end) or
 * from a header. Plain data, so it crosses to worker threads.
 */
export type PollCursor =
  | { readonly kind: 'none' }
  | { readonly kind: 'validators'; readonly etag: boolean; readonly lastModified: boolean }
  | { readonly kind: 'query'; readonly param: string; readonly from: CursorSource };

export type CursorSource =
  { readonly kind: 'json'; readonly path: readonly (string | number)[] } | { readonly kind: 'header'; readonly name: string };

export const NO_CURSOR: PollCursor = Object.freeze({ kind: 'none' });

const PARAM = /^[A-Za-z0-9_.~-]+$/;
const HEADER = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Reads a `--poll-cursor` value: `none`, `etag`, `last-modified`, `etag+last-modified`,
 * `query:PARAM` (value from the answer's JSON field PARAM), `query:PARAM=json:PATH` or
 * `query:PARAM=header:NAME`. Throws a TypeError naming what is wrong.
 */
export function parsePollCursor(spec: string): PollCursor {
  switch (spec) {
    case 'none':
      return NO_CURSOR;
    case 'etag':
      return { kind: 'validators', etag: true, lastModified: false };
    case 'last-modified':
      return { kind: 'validators', etag: false, lastModified: true };
    case 'etag+last-modified':
    case 'last-modified+etag':
      return { kind: 'validators', etag: true, lastModified: true };
  }
  if (!spec.startsWith('query:')) {
    throw new TypeError(
      `must be none, etag, last-modified, etag+last-modified or query:PARAM[=json:PATH|header:NAME], got ${JSON.stringify(spec)}`,
    );
  }
  const rest = spec.slice('query:'.length);
  const equals = rest.indexOf('=');
  const param = equals === -1 ? rest : rest.slice(0, equals);
  if (!PARAM.test(param))
    throw new TypeError(`query parameter name must be letters, digits, '_', '.', '~' or '-', got ${JSON.stringify(param)}`);
  if (equals === -1) return { kind: 'query', param, from: { kind: 'json', path: [param] } };
  const source = rest.slice(equals + 1);
  if (source.startsWith('header:')) {
    const name = source.slice('header:'.length);
    if (!HEADER.test(name)) throw new TypeError(`header name must be an HTTP token, got ${JSON.stringify(name)}`);
    return { kind: 'query', param, from: { kind: 'header', name: name.toLowerCase() } };
  }
  if (source.startsWith('json:')) {
    const path = source.slice('json:'.length).split('.');
    if (path.some((part) => part === ''))
      throw new TypeError(`JSON path must be names and indexes joined by '.', got ${JSON.stringify(source.slice(5))}`);
    return { kind: 'query', param, from: { kind: 'json', path: path.map((part) => (/^-?\d+$/.test(part) ? Number(part) : part)) } };
  }
  throw new TypeError(`cursor source must be json:PATH or header:NAME, got ${JSON.stringify(source)}`);
}

/** Statuses a foreign poll answers "nothing new" with (interval-poll 304, a timed-out hold 408, 204). */
export function isEmptyPollStatus(status: number): boolean {
  return status === 304 || status === 204 || status === 408;
}

/**
 * One client's position on a foreign polling endpoint: what the next request carries, updated
 * from every answer that has a newer position. It survives reconnects (it is the resume point).
 */
export class PollCursorState {
  private etag: string | undefined;
  private lastModified: string | undefined;
  private value: string | undefined;

  constructor(readonly cursor: PollCursor) {}

  /** Header lines (each ending in CRLF) for the next request; '' when none. */
  headerLines(): string {
    let lines = '';
    if (this.etag !== undefined) lines += `If-None-Match: ${this.etag}\r\n`;
    if (this.lastModified !== undefined) lines += `If-Modified-Since: ${this.lastModified}\r\n`;
    return lines;
  }

  /** `path` (which may have a query already) with the cursor parameter added when known. */
  target(path: string): string {
    if (this.value === undefined || this.cursor.kind !== 'query') return path;
    return `${path}${path.includes('?') ? '&' : '?'}${this.cursor.param}=${encodeURIComponent(this.value)}`;
  }

  /** Takes the position from an answer (a 200 with messages, or an empty 304/204/408). */
  update(head: ResponseHead, body: Buffer): void {
    const cursor = this.cursor;
    if (cursor.kind === 'validators') {
      const etag = head.headers.etag;
      const lastModified = head.headers['last-modified'];
      if (cursor.etag && etag !== undefined && isHeaderSafe(etag)) this.etag = etag;
      if (cursor.lastModified && lastModified !== undefined && isHeaderSafe(lastModified)) this.lastModified = lastModified;
      return;
    }
    if (cursor.kind !== 'query') return;
    const found =
      cursor.from.kind === 'header' ? head.headers[cursor.from.name] : head.status === 200 ? jsonValue(body, cursor.from.path) : undefined;
    if (found !== undefined && found !== '') this.value = found;
  }

  /** What the next request carries, for tests and error messages. */
  describe(): string {
    if (this.cursor.kind === 'query') return this.value === undefined ? '' : `${this.cursor.param}=${this.value}`;
    return [
      this.etag === undefined ? '' : `If-None-Match: ${this.etag}`,
      this.lastModified === undefined ? '' : `If-Modified-Since: ${this.lastModified}`,
    ]
      .filter((part) => part !== '')
      .join(', ');
  }
}

function isHeaderSafe(value: string): boolean {
  return !/[\0\r\n]/.test(value);
}

/** The string or number at `path` in the JSON `body`, as text; undefined when absent or not JSON. */
function jsonValue(body: Buffer, path: readonly (string | number)[]): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  for (const part of path) {
    if (typeof part === 'number' && Array.isArray(value)) value = value[part < 0 ? value.length + part : part];
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) value = (value as Record<string, unknown>)[String(part)];
    else return undefined;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
