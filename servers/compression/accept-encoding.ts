import type { HttpCompression } from '../config.js';

/** The content codings the server can apply to SSE streams and poll answers. */
export type ContentCoding = 'gzip' | 'br';

/** What each `httpCompression` setting offers, the server's preference first. */
const OFFERED: Readonly<Record<HttpCompression, readonly ContentCoding[]>> = Object.freeze({
  off: [],
  gzip: ['gzip'],
  br: ['br', 'gzip'],
});

export function offeredCodings(setting: HttpCompression): readonly ContentCoding[] {
  return OFFERED[setting];
}

const QVALUE = /^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i;

/**
 * The coding to answer a request with (RFC 9110 §12.5.3): among the `offered` codings, the one
 * the request's `Accept-Encoding` weighs highest (`*` stands for any coding it does not name,
 * `x-gzip` for gzip), ties going to the server's preference. Undefined for identity: no header,
 * nothing offered, or nothing offered that the client accepts with q > 0. A malformed weight
 * counts as q=0, so a garbled header never gets a coding the client may not decode.
 */
export function chooseCoding(header: string | string[] | undefined, offered: readonly ContentCoding[]): ContentCoding | undefined {
  if (header === undefined || offered.length === 0) return undefined;
  const weights = new Map<string, number>();
  for (const element of (Array.isArray(header) ? header.join(',') : header).split(',')) {
    const [rawName = '', ...params] = element.split(';');
    const name = rawName.trim().toLowerCase();
    if (name === '') continue;
    let q = 1;
    for (const param of params) {
      const text = param.trim();
      if (!/^q=/i.test(text)) continue;
      const match = QVALUE.exec(text);
      q = match === null ? 0 : Number(match[1]);
    }
    const key = name === 'x-gzip' ? 'gzip' : name;
    if (!weights.has(key)) weights.set(key, q);
  }
  let best: ContentCoding | undefined;
  let bestQ = 0;
  for (const coding of offered) {
    const q = weights.get(coding) ?? weights.get('*') ?? 0;
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  return best;
}
