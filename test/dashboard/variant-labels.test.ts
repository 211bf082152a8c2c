import { describe, expect, it } from 'vitest';
import { protocolColour, protocolLabel } from '../../dashboard/src/protocols.js';

describe('variant columns in the dashboard', () => {
  it('labels and colours a variant after its base protocol', () => {
    expect(protocolLabel('ws+deflate')).toBe('WebSocket+deflate');
    expect(protocolLabel('sse/h2+gzip')).toBe('SSE/h2+gzip');
    expect(protocolColour('ws+deflate')).toBe(protocolColour('ws'));
    expect(protocolColour('long-poll/h2')).toBe(protocolColour('long-poll'));
    expect(protocolLabel('nothing')).toBe('nothing');
    expect(protocolColour('nothing')).toBe('#6b7280');
  });
});
