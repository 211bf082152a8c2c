/**
 * The wire format of Socket.IO v4: Engine.IO protocol 4 packets carrying Socket.IO protocol 5
 * packets, text only (binary attachments are not used by the harness). Pure: no sockets here.
 *
 * Engine.IO packet = one type digit + data: `0` open (`0{"sid",…,"pingInterval","pingTimeout"}`),
 * `1` close, `2` ping (the server's; the client answers `3` pong), `4` message, `6` noop. Over
 * the WebSocket transport each frame is one packet; over HTTP long-polling a payload holds
 * several, joined by the record separator 0x1E.
 *
 * Socket.IO packet (inside an Engine.IO `4`) = type digit, then `/namespace,` unless the
 * namespace is `/`, then an ack id (digits) if any, then JSON: `0` connect (`40`, answered
 * `40{"sid"}`), `1` disconnect, `2` event (`42["name",data]`), `3` ack (`43<id>[…]`), `4`
 * connect error (`44{"message"}`).
 */

export const ENGINE_IO_VERSION = 4;
export const RECORD_SEPARATOR = 0x1e;

/** Engine.IO packet types, as the byte that starts each packet. */
export const EIO = Object.freeze({ open: 0x30, close: 0x31, ping: 0x32, pong: 0x33, message: 0x34, upgrade: 0x35, noop: 0x36 });
/** Socket.IO packet types, as the byte after the Engine.IO `4`. */
export const SIO = Object.freeze({
  connect: 0x30,
  disconnect: 0x31,
  event: 0x32,
  ack: 0x33,
  connectError: 0x34,
  binaryEvent: 0x35,
  binaryAck: 0x36,
});

export interface EngineIoOpen {
  readonly sid: string;
  readonly pingInterval: number;
  readonly pingTimeout: number;
  readonly maxPayload: number;
}

/** Reads the data of an open packet (after its `0`); throws a TypeError naming what is missing. */
export function parseOpen(json: string): EngineIoOpen {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new TypeError(`Engine.IO open packet is not JSON: ${json.slice(0, 100)}`);
  }
  const open = value as Record<string, unknown>;
  if (typeof value !== 'object' || value === null || typeof open.sid !== 'string' || open.sid === '')
    throw new TypeError(`Engine.IO open packet without a sid: ${json.slice(0, 100)}`);
  const pingInterval = open.pingInterval;
  const pingTimeout = open.pingTimeout;
  if (!isPositiveInteger(pingInterval) || !isPositiveInteger(pingTimeout))
    throw new TypeError(`Engine.IO open packet without pingInterval/pingTimeout: ${json.slice(0, 100)}`);
  return { sid: open.sid, pingInterval, pingTimeout, maxPayload: isPositiveInteger(open.maxPayload) ? open.maxPayload : 1_000_000 };
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/**
 * The request target of an Engine.IO transport: `requestTarget` (the endpoint's path, default
 * `/socket.io/`, its own query kept) with `EIO=4&transport=…` and the session id when known.
 */
export function engineIoTarget(requestTarget: string, transport: 'websocket' | 'polling', sid?: string): string {
  const [path = '/', query = ''] = requestTarget.split('?', 2) as [string, string?];
  const base = path === '' || path === '/' ? '/socket.io/' : path.endsWith('/') ? path : `${path}/`;
  const params = `EIO=${ENGINE_IO_VERSION}&transport=${transport}${sid === undefined ? '' : `&sid=${encodeURIComponent(sid)}`}`;
  return `${base}?${query === '' ? '' : `${query}&`}${params}`;
}

/** Calls `visit(start, end)` for each packet of a polling payload `buf[start, end)`. */
export function forEachPacket(buf: Buffer, start: number, end: number, visit: (start: number, end: number) => void): void {
  let from = start;
  while (from <= end) {
    let to = buf.indexOf(RECORD_SEPARATOR, from);
    if (to === -1 || to > end) to = end;
    if (to > from) visit(from, to);
    from = to + 1;
  }
}

/** `/namespace,` as packets write it; '' for the main namespace. */
function namespacePart(namespace: string): string {
  return namespace === '/' || namespace === '' ? '' : `${namespace},`;
}

/** The Engine.IO message that connects to `namespace` (`40`, or `40/chat,`). */
export function connectPacket(namespace = '/'): string {
  return `40${namespacePart(namespace)}`;
}

/** `42["event",data]` in `namespace`, asking for an acknowledgement when `ackId` is given. */
export function eventPacket(event: string, data: unknown, namespace = '/', ackId?: number): string {
  return `42${namespacePart(namespace)}${ackId === undefined ? '' : ackId}${JSON.stringify([event, data])}`;
}

/** What {@link readSocketIoPacket} found: one object, overwritten by each call. */
export interface SocketIoHead {
  type: number;
  /** The namespace the packet is for ('/' when it names none). */
  namespace: string;
  /** The ack id, -1 when none. */
  ackId: number;
  /** Where the packet's JSON data begins (its end is the packet's end). */
  dataStart: number;
}

/**
 * Reads the Socket.IO head of the Engine.IO message packet `buf[start, end)` (which starts with
 * `4`). Returns false when it is not a Socket.IO packet this client reads (binary ones included).
 */
export function readSocketIoPacket(buf: Buffer, start: number, end: number, out: SocketIoHead): boolean {
  let pos = start + 1;
  if (pos >= end) return false;
  const type = buf[pos]!;
  if (type < SIO.connect || type > SIO.connectError) return false;
  pos += 1;
  out.namespace = '/';
  if (pos < end && buf[pos] === 0x2f) {
    const comma = buf.indexOf(0x2c, pos);
    const stop = comma === -1 || comma >= end ? end : comma;
    out.namespace = buf.toString('utf8', pos, stop);
    pos = stop === end ? end : stop + 1;
  }
  let ackId = -1;
  while (pos < end && buf[pos]! >= 0x30 && buf[pos]! <= 0x39) {
    ackId = (ackId < 0 ? 0 : ackId * 10) + (buf[pos]! - 0x30);
    pos += 1;
  }
  out.type = type;
  out.ackId = ackId;
  out.dataStart = pos;
  return true;
}
