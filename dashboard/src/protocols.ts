import { PROTOCOLS, PROTOCOL_NAMES, isProtocolName, type ProtocolName } from '../../wire/protocols.js';

export { PROTOCOL_NAMES, isProtocolName, type ProtocolName };

/** How the page shows a protocol; what it is comes from its descriptor (wire/protocols.ts). */
export interface ProtocolInfo {
  /** The one colour of this protocol in every view, chart and table. */
  readonly colour: string;
  readonly help: string;
}

/** Colours are chosen to stay apart from the status colours (green, amber, red). */
export const PROTOCOL_INFO: Record<ProtocolName, ProtocolInfo> = {
  ws: {
    colour: '#2563eb',
    help: 'One persistent TCP connection upgraded from HTTP; the server pushes each update as a small frame, and the client can send (PING) on the same connection.',
  },
  sse: {
    colour: '#0d9488',
    help: 'Server-Sent Events: one long HTTP response that never ends; each update is a "data:" block. The browser\'s EventSource reconnects by itself and resumes with Last-Event-ID. PING goes over a separate POST /ping.',
  },
  'long-poll': {
    colour: '#7c3aed',
    help: 'The client asks "anything after seq S?" and the server holds the request until there is, then answers; the client asks again at once. One HTTP request (with headers) per batch of updates.',
  },
  'short-poll': {
    colour: '#c2410c',
    help: 'The client asks "anything after seq S?" on a timer and the server answers at once, often with nothing. Latency is up to one poll interval; most requests are empty.',
  },
};

/** A column key may be a variant (`ws+deflate`, `sse/h2`; wire/variants.ts): its base protocol gives label and colour. */
function baseOf(column: string): string {
  return column.split(/[/+]/)[0] ?? column;
}

export function protocolLabel(protocol: string): string {
  if (isProtocolName(protocol)) return PROTOCOLS[protocol].label;
  const base = baseOf(protocol);
  return isProtocolName(base) ? `${PROTOCOLS[base].label}${protocol.slice(base.length)}` : protocol;
}

export function protocolColour(protocol: string): string {
  return (
    (PROTOCOL_INFO as Record<string, ProtocolInfo | undefined>)[protocol]?.colour ??
    (PROTOCOL_INFO as Record<string, ProtocolInfo | undefined>)[baseOf(protocol)]?.colour ??
    '#6b7280'
  );
}

/** The colour with an alpha channel, for fills. */
export function withAlpha(colour: string, alpha: number): string {
  const value = Number.parseInt(colour.slice(1), 16);
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
}
