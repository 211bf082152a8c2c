import { describe, expect, it } from 'vitest';
import { OptionError } from '../../wire/errors.js';
import { parseVariant, resolveVariants, variantClientOptions, variantServerArgs } from '../../wire/variants.js';

describe('protocol variants', () => {
  it.each([
    ['ws', { name: 'ws', protocol: 'ws', http2: false, compression: null }],
    ['ws+deflate', { name: 'ws+deflate', protocol: 'ws', http2: false, compression: 'deflate' }],
    ['WS+Deflate-NCT', { name: 'ws+deflate-nct', protocol: 'ws', http2: false, compression: 'deflate-nct' }],
    ['sse/h2', { name: 'sse/h2', protocol: 'sse', http2: true, compression: null }],
    ['long-poll/h2+gzip', { name: 'long-poll/h2+gzip', protocol: 'long-poll', http2: true, compression: 'gzip' }],
    ['short-poll+br', { name: 'short-poll+br', protocol: 'short-poll', http2: false, compression: 'br' }],
  ])('parses %s', (word, expected) => {
    expect(parseVariant(word)).toEqual(expected);
  });

  it.each([
    ['ws/h2', 'RFC 8441'],
    ['ws+gzip', '+deflate or +deflate-nct'],
    ['sse+deflate', '+gzip or +br'],
    ['smoke/h2', 'names no protocol'],
    ['sse+gzip+br', 'is not a variant'],
    ['sse/h3', 'is not a variant'],
  ])('refuses %s, saying why', (word, why) => {
    const parsed = parseVariant(word);
    expect(parsed).toHaveProperty('error');
    expect((parsed as { error: string }).error).toContain(`"${word}"`);
    expect((parsed as { error: string }).error).toContain(why);
  });

  it('derives the server options and the client options of each variant', () => {
    const of = (word: string) => parseVariant(word) as Exclude<ReturnType<typeof parseVariant>, { error: string }>;
    expect(variantServerArgs(of('ws'))).toEqual([]);
    expect(variantServerArgs(of('ws+deflate'))).toEqual(['--ws-deflate', 'on']);
    expect(variantServerArgs(of('ws+deflate-nct'))).toEqual(['--ws-deflate', 'no-context-takeover']);
    expect(variantServerArgs(of('long-poll/h2+gzip'))).toEqual(['--http-compression', 'gzip', '--h2c-port', '0']);
    expect(variantClientOptions(of('sse'))).toEqual({});
    expect(variantClientOptions(of('ws+deflate-nct'))).toEqual({ wsDeflate: 'on' });
    expect(variantClientOptions(of('sse/h2+br'))).toEqual({ acceptEncoding: 'br', http2: true });
  });

  it('resolves a --protocols list into columns and distinct base protocols, refusing repeats and bad names', () => {
    const { columns, protocols } = resolveVariants(['ws', 'ws+deflate', 'sse/h2', 'longpoll']);
    expect(columns.map((c) => c.name)).toEqual(['ws', 'ws+deflate', 'sse/h2', 'long-poll']);
    expect(protocols).toEqual(['ws', 'sse', 'long-poll']);
    expect(() => resolveVariants(['ws+deflate', 'WS+deflate'])).toThrow(/lists ws\+deflate twice/);
    expect(() => resolveVariants(['ws', 'ws+zip'])).toThrow(OptionError);
    expect(() => resolveVariants(['ws', 'ws+zip'])).toThrow(/ws\+zip/);
    expect(() => resolveVariants([])).toThrow(/needs at least one/);
  });
});
