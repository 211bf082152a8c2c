import { describe, expect, it } from 'vitest';
import { parseJsonPath, TimestampReader, toEpochMicros, valueAt } from '../../../clients/codecs/timestamp-field.js';

describe('the server-timestamp field of receive-only runs', () => {
  it('parses paths of names and indexes, -1 being the last item', () => {
    expect(parseJsonPath('ts')).toEqual(['ts']);
    expect(parseJsonPath('data.sentAt')).toEqual(['data', 'sentAt']);
    expect(parseJsonPath('items.-1.at')).toEqual(['items', -1, 'at']);
    expect(() => parseJsonPath('')).toThrow(/names and indexes joined by '\.'/);
    expect(() => parseJsonPath('data..at')).toThrow(/got "data\.\.at"/);
    expect(valueAt({ items: [{ at: 1 }, { at: 2 }] }, ['items', -1, 'at'])).toBe(2);
    expect(valueAt({ items: 3 }, ['items', 0])).toBeUndefined();
  });

  it('turns each clock into µs since the epoch, numbers or numeric strings, and ISO 8601 text', () => {
    expect(toEpochMicros(1_700_000_000, 'epoch-s')).toBe(1_700_000_000_000_000);
    expect(toEpochMicros(1_700_000_000.25, 'epoch-s')).toBe(1_700_000_000_250_000);
    expect(toEpochMicros(1_700_000_000_123, 'epoch-ms')).toBe(1_700_000_000_123_000);
    expect(toEpochMicros('1700000000123', 'epoch-ms')).toBe(1_700_000_000_123_000);
    expect(toEpochMicros(1_700_000_000_123_456, 'epoch-us')).toBe(1_700_000_000_123_456);
    expect(toEpochMicros(1_700_000_000_123_456_000, 'epoch-ns')).toBe(1_700_000_000_123_456);
    expect(toEpochMicros('2023-11-14T22:13:20.123Z', 'iso')).toBe(1_700_000_000_123_000);
    for (const bad of ['soon', '', null, true, -5, 0, { at: 1 }])
      expect(toEpochMicros(bad, 'epoch-ms'), JSON.stringify(bad)).toBeUndefined();
    expect(toEpochMicros(1_700_000_000_123, 'iso')).toBeUndefined();
  });

  it('reads the field from a whole message, and nothing from text that is not JSON or lacks it', () => {
    const reader = new TimestampReader(parseJsonPath('data.sentAt'), 'epoch-us');
    const message = Buffer.from('xx{"data":{"sentAt":1700000000123456,"v":1}}yy');
    expect(reader.read(message, 2, message.length - 2)).toBe(1_700_000_000_123_456);
    expect(reader.read(message, 0, message.length)).toBeUndefined();
    expect(reader.read(Buffer.from('{"data":{}}'), 0, 11)).toBeUndefined();
    // A Socket.IO event is its JSON array: the data is item 1.
    expect(new TimestampReader(parseJsonPath('1.ts'), 'epoch-ms').read(Buffer.from('["feed",{"ts":1700000000123}]'), 0, 29)).toBe(
      1_700_000_000_123_000,
    );
  });
});
