import { describe, expect, it } from 'vitest';
import {
  connectPacket,
  engineIoTarget,
  eventPacket,
  forEachPacket,
  parseOpen,
  readSocketIoPacket,
  SIO,
  type SocketIoHead,
} from '../../clients/codecs/engineio.js';

function packets(payload: string): string[] {
  const buf = Buffer.from(payload);
  const found: string[] = [];
  forEachPacket(buf, 0, buf.length, (start, end) => found.push(buf.toString('utf8', start, end)));
  return found;
}

function head(packet: string): SocketIoHead | undefined {
  const out: SocketIoHead = { type: 0, namespace: '', ackId: 0, dataStart: 0 };
  const buf = Buffer.from(packet);
  return readSocketIoPacket(buf, 0, buf.length, out) ? { ...out } : undefined;
}

describe('Engine.IO v4 / Socket.IO v5 codec', () => {
  it('reads the open packet and names what a bad one lacks', () => {
    expect(parseOpen('{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}')).toEqual({
      sid: 'abc',
      pingInterval: 25000,
      pingTimeout: 20000,
      maxPayload: 1_000_000,
    });
    expect(() => parseOpen('nope')).toThrow(/not JSON/);
    expect(() => parseOpen('{"pingInterval":1,"pingTimeout":1}')).toThrow(/without a sid/);
    expect(() => parseOpen('{"sid":"a","pingInterval":0,"pingTimeout":1}')).toThrow(/pingInterval/);
  });

  it('builds the transport URLs on the endpoint path, keeping its query', () => {
    expect(engineIoTarget('/', 'websocket')).toBe('/socket.io/?EIO=4&transport=websocket');
    expect(engineIoTarget('/socket.io', 'polling')).toBe('/socket.io/?EIO=4&transport=polling');
    expect(engineIoTarget('/rt/?token=x', 'polling', 'a b')).toBe('/rt/?token=x&EIO=4&transport=polling&sid=a%20b');
  });

  it('splits a polling payload on the record separator', () => {
    expect(packets('40{"sid":"x"}\x1e2\x1e42["feed","a\\u001e"]')).toEqual(['40{"sid":"x"}', '2', '42["feed","a\\u001e"]']);
    expect(packets('6')).toEqual(['6']);
    expect(packets('')).toEqual([]);
  });

  it('writes connects and events, with namespace and ack id', () => {
    expect(connectPacket()).toBe('40');
    expect(connectPacket('/chat')).toBe('40/chat,');
    expect(eventPacket('feed', 'm')).toBe('42["feed","m"]');
    expect(eventPacket('feed', 'm', '/chat', 12)).toBe('42/chat,12["feed","m"]');
  });

  it('reads Socket.IO packet heads: type, namespace, ack id, where the data starts', () => {
    expect(head('42["feed","m"]')).toEqual({ type: SIO.event, namespace: '/', ackId: -1, dataStart: 2 });
    expect(head('43/chat,7[]')).toEqual({ type: SIO.ack, namespace: '/chat', ackId: 7, dataStart: 9 });
    expect(head('40{"sid":"s"}')).toEqual({ type: SIO.connect, namespace: '/', ackId: -1, dataStart: 2 });
    expect(head('44{"message":"no"}')).toMatchObject({ type: SIO.connectError });
    // Binary packets (5, 6) and cut packets are not read.
    expect(head('451-["feed",{"_placeholder":true,"num":0}]')).toBeUndefined();
    expect(head('4')).toBeUndefined();
  });
});
