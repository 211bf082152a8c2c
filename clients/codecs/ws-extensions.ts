/**
 * permessage-deflate negotiation (RFC 7692 §7.1) as a client does it: the offer it writes in
 * `Sec-WebSocket-Extensions`, and the check of the server's answer. Pure: strings in, strings
 * or parameters out.
 */

/** What the client offers: nothing, deflate with context takeover, or deflate asking for none on either side. */
export type DeflateOffer = 'off' | 'on' | 'no-context-takeover';

/** What the server agreed to. */
export interface DeflateParams {
  /** The server compresses each message on its own: the client may forget its inflate context after each. */
  readonly serverNoContextTakeover: boolean;
  /** The client must compress each message on its own. */
  readonly clientNoContextTakeover: boolean;
  /** The server's LZ77 window is at most 2^bits bytes. */
  readonly serverMaxWindowBits: number;
  /** The client's LZ77 window must be at most 2^bits bytes. */
  readonly clientMaxWindowBits: number;
}

const DEFAULT_WINDOW_BITS = 15;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const WINDOW_BITS = /^(?:[89]|1[0-5])$/;

/** The `Sec-WebSocket-Extensions` value of the offer, or undefined for none. Like browsers, the client says it can take a limit on its window. */
export function deflateOffer(offer: DeflateOffer): string | undefined {
  if (offer === 'off') return undefined;
  if (offer === 'on') return 'permessage-deflate; client_max_window_bits';
  return 'permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits';
}

/** One extension of a `Sec-WebSocket-Extensions` value: its name and parameters (a value, or true for none). */
export interface Extension {
  readonly name: string;
  readonly params: ReadonlyArray<readonly [string, string | true]>;
}

/** Parses a `Sec-WebSocket-Extensions` value (RFC 6455 §9.1); returns what is wrong as a string. */
export function parseExtensions(header: string): Extension[] | string {
  const extensions: Extension[] = [];
  for (const element of splitOutsideQuotes(header, ',')) {
    const [nameText = '', ...paramTexts] = splitOutsideQuotes(element, ';');
    const name = nameText.trim();
    if (!TOKEN.test(name)) return `bad extension name ${JSON.stringify(name)}`;
    const params: Array<readonly [string, string | true]> = [];
    for (const text of paramTexts) {
      const equals = text.indexOf('=');
      const key = (equals === -1 ? text : text.slice(0, equals)).trim();
      if (!TOKEN.test(key)) return `bad parameter name ${JSON.stringify(key)} of ${name}`;
      if (equals === -1) {
        params.push([key, true]);
        continue;
      }
      let value = text.slice(equals + 1).trim();
      if (value.startsWith('"')) {
        if (value.length < 2 || !value.endsWith('"')) return `unterminated quoted value of ${key}`;
        value = value.slice(1, -1).replace(/\\(.)/g, '$1');
      }
      if (!TOKEN.test(value)) return `bad value ${JSON.stringify(value)} of ${key}`;
      params.push([key, value]);
    }
    extensions.push({ name, params });
  }
  return extensions;
}

/**
 * The server's answer to our offer: the agreed parameters, undefined when the server declined
 * (no header), or a string saying why the answer must fail the connection (RFC 7692 §7.1: an
 * extension not offered, a parameter repeated, unknown or out of range, or context takeover the
 * client asked the server to give up).
 */
export function acceptDeflate(header: string | undefined, offer: DeflateOffer): DeflateParams | undefined | string {
  if (header === undefined) return undefined;
  if (offer === 'off') return 'Server sent a Sec-WebSocket-Extensions header but no extension was requested';
  const parsed = parseExtensions(header);
  if (typeof parsed === 'string') return `Invalid Sec-WebSocket-Extensions header: ${parsed}`;
  if (parsed.length !== 1 || parsed[0]!.name !== 'permessage-deflate') {
    return `Server indicated an extension that was not requested: ${JSON.stringify(header)}`;
  }
  const seen = new Set<string>();
  let serverNoContextTakeover = false;
  let clientNoContextTakeover = false;
  let serverMaxWindowBits = DEFAULT_WINDOW_BITS;
  let clientMaxWindowBits = DEFAULT_WINDOW_BITS;
  for (const [key, value] of parsed[0]!.params) {
    if (seen.has(key)) return `permessage-deflate parameter ${key} given more than once`;
    seen.add(key);
    switch (key) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        if (value !== true) return `permessage-deflate parameter ${key} takes no value`;
        if (key === 'server_no_context_takeover') serverNoContextTakeover = true;
        else clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits':
      case 'client_max_window_bits':
        if (value === true || !WINDOW_BITS.test(value))
          return `permessage-deflate parameter ${key} must be 8 to 15, got ${JSON.stringify(value)}`;
        if (key === 'server_max_window_bits') serverMaxWindowBits = Number(value);
        else clientMaxWindowBits = Number(value);
        break;
      default:
        return `unknown permessage-deflate parameter ${key}`;
    }
  }
  if (offer === 'no-context-takeover' && !serverNoContextTakeover) {
    return 'Server did not accept server_no_context_takeover, which the client asked for';
  }
  return { serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, clientMaxWindowBits };
}

/** Splits `text` at `separator` where it is not inside a quoted string. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && quoted) i += 1;
    else if (c === '"') quoted = !quoted;
    else if (c === separator && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
