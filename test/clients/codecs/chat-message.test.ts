import { describe, expect, it } from 'vitest';
import { chatHead, chatJson, readChatBytes } from '../../../clients/codecs/chat-message.js';
import { chatData } from '../../../servers/chat/chat-message.js';

const bytes = (text: string): Buffer => Buffer.from(text);

describe('chat messages on the wire', () => {
  it('writes the WebSocket message with its type and the POST body without it', () => {
    const message = { from: 'c1', n: 3, ts: 99, text: 'hi "there"', room: 'r1' };
    expect(chatJson(message, true)).toBe('{"type":"chat","from":"c1","n":3,"ts":99,"room":"r1","text":"hi \\"there\\""}');
    expect(JSON.parse(chatJson({ ...message, room: undefined }, false))).toEqual({ from: 'c1', n: 3, ts: 99, text: 'hi "there"' });
  });

  it('reads sender, sequence and send time of a relayed chat update as the server encodes it', () => {
    const data = chatData({ from: 'sender.7', n: 42, ts: 1234567, text: 'ok', room: 'lobby-2' });
    const message = `{"seq":9,"ts":555,"type":"update","data":${data}}`;
    expect(readChatBytes(bytes(message), 0, message.length)).toBe(true);
    expect(chatHead).toEqual({ from: 'sender.7', n: 42, ts: 1234567 });
    // In the middle of a larger buffer too.
    const padded = `xx${message}yy`;
    expect(readChatBytes(bytes(padded), 2, 2 + message.length)).toBe(true);
  });

  it('says no to anything else', () => {
    for (const text of [
      '{"seq":9,"ts":555,"type":"update","data":{"n":1}}',
      '{"seq":9,"ts":555,"type":"initial","data":{"chat":{"from":"a","n":1,"ts":2}}}',
      '{"seq":9,"ts":555,"type":"update","data":{"chat":{"from":"","n":1,"ts":2}}}',
      '{"seq":9,"ts":555,"type":"update","data":{"chat":{"from":"a","n":-1,"ts":2}}}',
      '{"seq":9,"ts":555,"type":"update","data":{"chat":{"from":"a","n":1',
      '{"type":"pong","id":"x","ts":1,"serverTs":2}',
    ]) {
      expect(readChatBytes(bytes(text), 0, text.length)).toBe(false);
    }
  });
});
