import { describe, expect, it } from 'vitest';
import { answerCoding, checkAcceptEncoding } from '../../../clients/codecs/content-encoding.js';

describe('content codings of answers', () => {
  it('reads gzip, x-gzip and br; identity and none mean plain', () => {
    expect(answerCoding(undefined)).toBeUndefined();
    expect(answerCoding('identity')).toBeUndefined();
    expect(answerCoding('GZIP')).toBe('gzip');
    expect(answerCoding('x-gzip')).toBe('gzip');
    expect(answerCoding(' br ')).toBe('br');
  });

  it('names what it cannot decode', () => {
    expect(answerCoding('deflate')).toEqual({ unsupported: expect.stringMatching(/"deflate" is not one the client decodes/) });
    expect(answerCoding('gzip, br')).toEqual({ unsupported: expect.stringMatching(/stacked/) });
  });

  it('checks the acceptEncoding option', () => {
    expect(checkAcceptEncoding('gzip')).toBe('gzip');
    expect(checkAcceptEncoding('br, gzip;q=0.8, *;q=0')).toBe('br, gzip;q=0.8, *;q=0');
    expect(() => checkAcceptEncoding('gzip\r\nx: y')).toThrow(TypeError);
    expect(() => checkAcceptEncoding('')).toThrow(/list of content codings/);
  });
});
