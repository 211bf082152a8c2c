import { describe, expect, it } from 'vitest';
import { isProtocolName, PROTOCOL_NAMES, PROTOCOLS, protocolByWord } from '../../wire/protocols.js';

describe('protocol descriptors', () => {
  it('name each protocol after its key, with an endpoint of its own', () => {
    for (const name of PROTOCOL_NAMES) expect(PROTOCOLS[name].name).toBe(name);
    const paths = PROTOCOL_NAMES.map((name) => PROTOCOLS[name].path);
    expect(new Set(paths).size).toBe(paths.length);
    for (const path of paths) expect(path).toMatch(/^\/[a-z-]+$/);
  });

  it('agree with themselves: PING on the feed connection only where the client may send on it', () => {
    for (const name of PROTOCOL_NAMES) {
      const p = PROTOCOLS[name];
      expect(p.inBandPing, name).toBe(!p.unidirectional);
      if (p.onInterval) expect(p.polled, name).toBe(true);
      if (p.upgrade) expect(p.polled, name).toBe(false);
    }
  });

  it('read command-line words: names, aliases, any case; nothing else', () => {
    expect(protocolByWord('WebSocket')).toBe('ws');
    expect(protocolByWord('poll')).toBe('short-poll');
    expect(protocolByWord('LONG-POLL')).toBe('long-poll');
    expect(protocolByWord('carrier-pigeon')).toBeUndefined();
    const words = PROTOCOL_NAMES.flatMap((name) => [name, ...PROTOCOLS[name].aliases]);
    expect(new Set(words).size).toBe(words.length);
    expect(isProtocolName('toString')).toBe(false);
  });
});
