/**
 * Protocol variants: one column of a bench each, named `<protocol>[/h2][+deflate|+deflate-nct|+gzip|+br]`
 * (`ws+deflate`, `sse/h2`, `long-poll/h2+gzip`). A plain protocol name is the variant with
 * neither. What a variant needs of the server and of its clients is derived here, once.
 */
import { OptionError } from './errors.js';
import { PROTOCOLS, PROTOCOL_NAMES, protocolByWord, type ProtocolName } from './protocols.js';

export type VariantCompression = 'deflate' | 'deflate-nct' | 'gzip' | 'br';

export interface Variant {
  /** The column key: the canonical spelling, e.g. `long-poll/h2+gzip`. */
  readonly name: string;
  readonly protocol: ProtocolName;
  /** SSE and polling over cleartext HTTP/2 (h2c), one connection per client. */
  readonly http2: boolean;
  readonly compression: VariantCompression | null;
}

/** WebSocket compresses per message (permessage-deflate); HTTP answers by Content-Encoding. */
const WS_COMPRESSION: readonly VariantCompression[] = ['deflate', 'deflate-nct'];
const HTTP_COMPRESSION: readonly VariantCompression[] = ['gzip', 'br'];

export const VARIANT_GRAMMAR = '<protocol>[/h2][+deflate|+deflate-nct|+gzip|+br]';

/** The variant a word names, or a sentence saying why it names none. */
export function parseVariant(word: string): Variant | { error: string } {
  const match = /^([a-z0-9-]+)(\/h2)?(?:\+([a-z-]+))?$/i.exec(word.trim());
  const why = (reason: string): { error: string } => ({ error: `"${word}" ${reason}` });
  if (match === null) return why(`is not a variant; write ${VARIANT_GRAMMAR}, protocols ${PROTOCOL_NAMES.join(', ')}`);
  const protocol = protocolByWord(match[1]!);
  if (protocol === undefined) return why(`names no protocol; choose from ${PROTOCOL_NAMES.join(', ')}`);
  const http2 = match[2] !== undefined;
  const compression = match[3]?.toLowerCase() as VariantCompression | undefined;
  const isWs = protocol === 'ws';
  if (http2 && isWs)
    return why('asks for WebSocket over HTTP/2 (RFC 8441), which the server does not support; /h2 is for sse and the polls');
  if (compression !== undefined) {
    const allowed = isWs ? WS_COMPRESSION : HTTP_COMPRESSION;
    if (!allowed.includes(compression))
      return why(`asks for "+${compression}"; ${PROTOCOLS[protocol].label} takes ${allowed.map((c) => `+${c}`).join(' or ')}`);
  }
  const name = `${protocol}${http2 ? '/h2' : ''}${compression === undefined ? '' : `+${compression}`}`;
  return { name, protocol, http2, compression: compression ?? null };
}

/** The plain protocol as a variant. */
export function plainVariant(protocol: ProtocolName): Variant {
  return { name: protocol, protocol, http2: false, compression: null };
}

/** True for the variant of a plain protocol (its column is the protocol's own). */
export function isPlainVariant(variant: Variant): boolean {
  return !variant.http2 && variant.compression === null;
}

/** The feed server's command-line options this variant needs; variants with equal lists share a server. */
export function variantServerArgs(variant: Variant): string[] {
  const args: string[] = [];
  if (variant.compression === 'deflate') args.push('--ws-deflate', 'on');
  if (variant.compression === 'deflate-nct') args.push('--ws-deflate', 'no-context-takeover');
  if (variant.compression === 'gzip' || variant.compression === 'br') args.push('--http-compression', variant.compression);
  if (variant.http2) args.push('--h2c-port', '0');
  return args;
}

/** The client options this variant sets (the names of clients/types.ts FeedClientOptions). */
export interface VariantClientOptions {
  wsDeflate?: 'on';
  acceptEncoding?: string;
  http2?: true;
}

export function variantClientOptions(variant: Variant): VariantClientOptions {
  const options: VariantClientOptions = {};
  // The client offers permessage-deflate; whether contexts are kept is the server's answer (--ws-deflate).
  if (variant.compression === 'deflate' || variant.compression === 'deflate-nct') options.wsDeflate = 'on';
  if (variant.compression === 'gzip' || variant.compression === 'br') options.acceptEncoding = variant.compression;
  if (variant.http2) options.http2 = true;
  return options;
}

/**
 * `--protocols` as given (plain names and variants, aliases allowed) → the columns in order and
 * the distinct base protocols. Throws an OptionError naming the first bad or repeated entry.
 */
export function resolveVariants(words: readonly string[]): { columns: readonly Variant[]; protocols: readonly ProtocolName[] } {
  if (words.length === 0) throw new OptionError('--protocols', `needs at least one of ${PROTOCOL_NAMES.join(', ')}`);
  const columns: Variant[] = [];
  for (const word of words) {
    const parsed = parseVariant(word);
    if ('error' in parsed) throw new OptionError('--protocols', `unknown protocol or variant ${parsed.error}`);
    if (columns.some((column) => column.name === parsed.name))
      throw new OptionError('--protocols', `lists ${parsed.name} twice: ${words.join(',')}`);
    columns.push(parsed);
  }
  return { columns: Object.freeze(columns), protocols: Object.freeze([...new Set(columns.map((column) => column.protocol))]) };
}
