/** The content codings the clients decode (the ones the server applies). */
export type ContentCoding = 'gzip' | 'br';

/**
 * The coding of an answer, from its `Content-Encoding`: undefined for none (or `identity`),
 * or a string saying why the client cannot read it (a coding it does not decode, or more
 * than one coding stacked).
 */
export function answerCoding(header: string | undefined): ContentCoding | undefined | { unsupported: string } {
  if (header === undefined) return undefined;
  const codings = header
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0) return undefined;
  if (codings.length > 1) return { unsupported: `stacked content codings ${JSON.stringify(header)}` };
  const [coding] = codings;
  if (coding === 'gzip' || coding === 'x-gzip') return 'gzip';
  if (coding === 'br') return 'br';
  return { unsupported: `content coding ${JSON.stringify(coding)} is not one the client decodes (gzip, br)` };
}

const ACCEPT_ENCODING = /^\s*[A-Za-z*][A-Za-z0-9*-]*(\s*;\s*q=[0-9.]+)?(\s*,\s*[A-Za-z*][A-Za-z0-9*-]*(\s*;\s*q=[0-9.]+)?)*\s*$/;

/** Checks an `acceptEncoding` option: a list of codings with optional weights; throws a TypeError otherwise. */
export function checkAcceptEncoding(value: string): string {
  if (!ACCEPT_ENCODING.test(value))
    throw new TypeError(
      `acceptEncoding must be a list of content codings such as "gzip" or "br, gzip;q=0.8", got ${JSON.stringify(value)}`,
    );
  return value;
}
