import { describe, expect, it } from 'vitest';
import { chooseCoding, offeredCodings } from '../../servers/compression/accept-encoding.js';

describe('chooseCoding (Accept-Encoding, RFC 9110 §12.5.3)', () => {
  const both = offeredCodings('br');

  it('offers nothing when compression is off, gzip alone for gzip, br then gzip for br', () => {
    expect(offeredCodings('off')).toEqual([]);
    expect(offeredCodings('gzip')).toEqual(['gzip']);
    expect(both).toEqual(['br', 'gzip']);
    expect(chooseCoding('gzip, br', offeredCodings('off'))).toBeUndefined();
  });

  it('takes the server preference among codings of equal weight, and the client weights first', () => {
    expect(chooseCoding('gzip, deflate, br', both)).toBe('br');
    expect(chooseCoding('gzip, br;q=0.5', both)).toBe('gzip');
    expect(chooseCoding('br;q=0.8, gzip;q=0.9', both)).toBe('gzip');
    expect(chooseCoding('gzip', both)).toBe('gzip');
    expect(chooseCoding('br', offeredCodings('gzip'))).toBeUndefined();
  });

  it('reads *, x-gzip, q=0 and case as the RFC says', () => {
    expect(chooseCoding('*', both)).toBe('br');
    expect(chooseCoding('br;q=0, *', both)).toBe('gzip');
    expect(chooseCoding('x-gzip', both)).toBe('gzip');
    expect(chooseCoding('GZIP;Q=1.0', both)).toBe('gzip');
    expect(chooseCoding('gzip;q=0, br;q=0', both)).toBeUndefined();
    expect(chooseCoding('identity', both)).toBeUndefined();
    expect(chooseCoding(undefined, both)).toBeUndefined();
    expect(chooseCoding('', both)).toBeUndefined();
  });

  it('counts a malformed weight as q=0, so a garbled header never gets a coding', () => {
    expect(chooseCoding('gzip;q=2', both)).toBeUndefined();
    expect(chooseCoding('gzip;q=abc', both)).toBeUndefined();
    expect(chooseCoding('br;q=0.1234, gzip', both)).toBe('gzip');
  });
});
