import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../wire/errors.js';

describe('error codes', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

  it('documents every code with its HTTP status, and documents no code that does not exist', () => {
    for (const [code, { status }] of Object.entries(ERRORS)) {
      expect(doc).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${status}\\s*\\|`));
    }
    const documented = [...doc.matchAll(/`(WL_[A-Z_]+)`/g)].map((match) => match[1]);
    expect(new Set(documented)).toEqual(new Set(Object.keys(ERRORS)));
  });

  it('names every code after its key with the WL_ prefix', () => {
    for (const code of Object.keys(ERRORS)) expect(code).toMatch(/^WL_[A-Z_]+$/);
  });
});
