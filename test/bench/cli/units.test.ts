import { describe, expect, it } from 'vitest';
import { parseCount, parseDuration, parseSize, UnitError } from '../../../bench/cli/units.js';

describe('units', () => {
  it('reads counts with k and m', () => {
    expect(parseCount('1000')).toBe(1000);
    expect(parseCount('1k')).toBe(1000);
    expect(parseCount('2.5K')).toBe(2500);
    expect(parseCount('1m')).toBe(1_000_000);
    expect(() => parseCount('1.5')).toThrow(UnitError);
    expect(() => parseCount('lots')).toThrow(/a count like 1000 or 1k, got "lots"/);
    expect(() => parseCount('-3')).toThrow(UnitError);
  });

  it('reads durations; a bare number is in the unit the flag chose', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('250')).toBe(250);
    expect(parseDuration('10', 's')).toBe(10_000);
    expect(() => parseDuration('5x')).toThrow(/a duration like 30s/);
    expect(() => parseDuration('')).toThrow(UnitError);
  });

  it('reads sizes', () => {
    expect(parseSize('256')).toBe(256);
    expect(parseSize('4kb')).toBe(4000);
    expect(parseSize('64KiB')).toBe(65_536);
    expect(parseSize('1mb')).toBe(1_000_000);
    expect(() => parseSize('1.5')).toThrow(/whole number of bytes/);
  });
});
