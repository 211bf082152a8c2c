import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, OptionError, WirelabError, errorBody } from '../../wire/errors.js';

describe('error codes', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

  it('names every code after its key with the WL_ prefix, each code once', () => {
    const entries = Object.entries(ERRORS);
    for (const [key, entry] of entries) {
      expect(entry.code, key).toBe(key);
      expect(key).toMatch(/^WL_[A-Z_]+$/);
    }
    const codes = entries.map(([, entry]) => entry.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('documents every code with its HTTP status, and documents no code that does not exist', () => {
    for (const [code, { status }] of Object.entries(ERRORS)) {
      expect(doc).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${status}\\s*\\|`));
    }
    const documented = [...doc.matchAll(/`(WL_[A-Z_]+)`/g)].map((match) => match[1]);
    expect(new Set(documented)).toEqual(new Set(Object.keys(ERRORS)));
  });

  it('gives each error its code, status and message', () => {
    const error = new WirelabError('WL_CURSOR_AHEAD', 12, 7);
    expect(error).toMatchObject({ code: 'WL_CURSOR_AHEAD', statusCode: 400, message: 'resume point 12 is beyond the feed head 7' });
    expect(errorBody(error)).toEqual({ error: { code: 'WL_CURSOR_AHEAD', message: 'resume point 12 is beyond the feed head 7' } });
    const option = new OptionError('--clients', 'must be a count like 1000 or 1k, got "many"', 'many');
    expect(option).toBeInstanceOf(WirelabError);
    expect(option).toMatchObject({
      code: 'WL_BAD_OPTION',
      option: '--clients',
      value: 'many',
      message: 'bad option: --clients must be a count like 1000 or 1k, got "many"',
    });
  });
});
