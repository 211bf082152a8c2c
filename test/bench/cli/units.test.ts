import { describe, expect, it } from 'vitest';
import { parseCount, parseDuration, parseSize } from '../../../bench/cli/units.js';
import { OptionError } from '../../../wire/errors.js';

describe('units', () => {
  it('reads counts with k and m', () => {
    expect(parseCount('--n', '1000')).toBe(1000);
    expect(parseCount('--n', '1k')).toBe(1000);
    expect(parseCount('--n', '2.5K')).toBe(2500);
    expect(parseCount('--n', '1m')).toBe(1_000_000);
    expect(() => parseCount('--n', '1.5')).toThrow(OptionError);
    expect(() => parseCount('--n', 'lots')).toThrow(/a count like 1000 or 1k, got "lots"/);
    expect(() => parseCount('--n', '-3')).toThrow(OptionError);
  });

  it('reads durations; a bare number is in the unit the flag chose', () => {
    expect(parseDuration('--n', '30s')).toBe(30_000);
    expect(parseDuration('--n', '2m')).toBe(120_000);
    expect(parseDuration('--n', '500ms')).toBe(500);
    expect(parseDuration('--n', '1h')).toBe(3_600_000);
    expect(parseDuration('--n', '1.5s')).toBe(1500);
    expect(parseDuration('--n', '250')).toBe(250);
    expect(parseDuration('--n', '10', 's')).toBe(10_000);
    expect(() => parseDuration('--n', '5x')).toThrow(/a duration like 30s/);
    expect(() => parseDuration('--n', '')).toThrow(OptionError);
  });

  it('names the flag and the text it refuses', () => {
    try {
      parseCount('--clients', 'many');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(OptionError);
      expect((error as OptionError).option).toBe('--clients');
      expect((error as OptionError).value).toBe('many');
      expect((error as OptionError).message).toBe('bad option: --clients must be a count like 1000 or 1k, got "many"');
    }
  });

  it('reads sizes', () => {
    expect(parseSize('--n', '256')).toBe(256);
    expect(parseSize('--n', '4kb')).toBe(4000);
    expect(parseSize('--n', '64KiB')).toBe(65_536);
    expect(parseSize('--n', '1mb')).toBe(1_000_000);
    expect(() => parseSize('--n', '1.5')).toThrow(/whole number of bytes/);
  });
});
