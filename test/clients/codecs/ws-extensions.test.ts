import { describe, expect, it } from 'vitest';
import { acceptDeflate, deflateOffer, parseExtensions } from '../../../clients/codecs/ws-extensions.js';

describe('permessage-deflate negotiation (client side)', () => {
  it('offers nothing, takeover, or no takeover on either side', () => {
    expect(deflateOffer('off')).toBeUndefined();
    expect(deflateOffer('on')).toBe('permessage-deflate; client_max_window_bits');
    expect(deflateOffer('no-context-takeover')).toBe(
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits',
    );
  });

  it('parses extension lists with parameters, quoted values and white space', () => {
    expect(parseExtensions('permessage-deflate ; server_max_window_bits="10";client_no_context_takeover, x-foo')).toEqual([
      {
        name: 'permessage-deflate',
        params: [
          ['server_max_window_bits', '10'],
          ['client_no_context_takeover', true],
        ],
      },
      { name: 'x-foo', params: [] },
    ]);
    expect(parseExtensions('bad name')).toMatch(/bad extension name/);
    expect(parseExtensions('permessage-deflate; a="b')).toMatch(/unterminated/);
  });

  it('reads the agreed parameters, with 15-bit windows by default', () => {
    expect(acceptDeflate(undefined, 'on')).toBeUndefined();
    expect(acceptDeflate('permessage-deflate', 'on')).toEqual({
      serverNoContextTakeover: false,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 15,
    });
    expect(
      acceptDeflate(
        'permessage-deflate; server_no_context_takeover; client_max_window_bits=10; server_max_window_bits=12',
        'no-context-takeover',
      ),
    ).toEqual({
      serverNoContextTakeover: true,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 12,
      clientMaxWindowBits: 10,
    });
  });

  it.each([
    ['an extension when none was offered', 'permessage-deflate', 'off', /no extension was requested/],
    ['another extension', 'x-webkit-deflate-frame', 'on', /not requested/],
    ['two extensions', 'permessage-deflate, permessage-deflate', 'on', /not requested/],
    ['an unknown parameter', 'permessage-deflate; fast', 'on', /unknown permessage-deflate parameter fast/],
    ['a repeated parameter', 'permessage-deflate; server_no_context_takeover; server_no_context_takeover', 'on', /more than once/],
    ['a value where none belongs', 'permessage-deflate; server_no_context_takeover=1', 'on', /takes no value/],
    ['a window out of range', 'permessage-deflate; server_max_window_bits=16', 'on', /8 to 15/],
    ['a window without a value', 'permessage-deflate; client_max_window_bits', 'on', /8 to 15/],
    [
      'takeover kept when the client asked the server to drop it',
      'permessage-deflate; client_no_context_takeover',
      'no-context-takeover',
      /server_no_context_takeover/,
    ],
  ] as const)('fails the connection on %s', (_what, header, offer, message) => {
    expect(acceptDeflate(header, offer)).toMatch(message);
  });
});
