import { describe, expect, it } from 'vitest';
import { isSender, roomCount, roomOf, type ChatLayout } from '../../../bench/measure/chat-rooms.js';

const layout = (overrides: Partial<ChatLayout>): ChatLayout => ({
  firstIndex: 100,
  clients: 20,
  roomSize: 5,
  senderShare: 1,
  ...overrides,
});

describe('chat rooms and senders', () => {
  it('puts consecutive clients in rooms of --room-size, named after the protocol’s first client', () => {
    const rooms = Array.from({ length: 12 }, (_, i) => roomOf(layout({ clients: 12 }), 100 + i));
    expect(rooms).toEqual([...Array(5).fill('chat100-0'), ...Array(5).fill('chat100-1'), ...Array(2).fill('chat100-2')]);
    expect(roomCount(12, 5)).toBe(3);
    expect(roomOf(layout({ roomSize: null }), 119)).toBe('chat100-0');
    expect(roomCount(12, null)).toBe(1);
  });

  it('spreads --senders evenly over every room', () => {
    const tenPercent = layout({ clients: 100, roomSize: 50, senderShare: 0.1 });
    const senders = Array.from({ length: 100 }, (_, i) => 100 + i).filter((index) => isSender(tenPercent, index));
    expect(senders).toHaveLength(10);
    expect(senders.filter((index) => roomOf(tenPercent, index) === 'chat100-0')).toHaveLength(5);
    expect(senders.filter((index) => roomOf(tenPercent, index) === 'chat100-1')).toHaveLength(5);
    const everyone = layout({ senderShare: 1 });
    expect(Array.from({ length: 20 }, (_, i) => isSender(everyone, 100 + i)).every(Boolean)).toBe(true);
  });
});
