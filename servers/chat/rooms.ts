import type { FastifyRequest } from 'fastify';
import { WirelabError, type ErrorCode } from '../../wire/errors.js';
import { EmbeddedFeed, type Feed } from '../feed.js';
import { single } from '../request-cursor.js';

const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** `name` when it is a valid room name; throws `code` naming the problem otherwise. */
export function checkRoomName(name: unknown, code: ErrorCode, where: string): string {
  if (typeof name !== 'string' || !ROOM_NAME.test(name)) {
    throw new WirelabError(code, `${where} must be 1 to 64 characters of [A-Za-z0-9_-], got ${JSON.stringify(name)}`);
  }
  return name;
}

/**
 * Chat rooms. Each room is a {@link Feed} of its own (sequence numbers, an epoch, a history
 * ring for resume), so a room's members get its messages through exactly the machinery that
 * delivers the main feed: framed once per message, the slow-consumer bound, resume by cursor
 * or Last-Event-ID, a reset when a resume point is too old. Messages sent without a room go to
 * the lobby, which is the main feed itself. Rooms are made on first use and live as long as
 * the server; at most `maxRooms` exist. Rooms are this instance's own, embedded feeds, even
 * when the main feed runs through a broker.
 */
export class ChatRooms {
  private readonly rooms = new Map<string, Feed>();

  constructor(
    private readonly lobby: Feed,
    private readonly maxRooms: number,
    private readonly historySize: number,
    /**
     * Whether chat may be published in the lobby. Not on a broker-backed feed: only the instance
     * holding the publisher lock writes the shared stream, and a chat message posted to another
     * instance would be dropped there.
     */
    private readonly lobbyTakesChat = true,
  ) {}

  /** The feed of `room` (the lobby when undefined), made now if new. Throws WL_CHAT_CAPACITY past `maxRooms`. */
  feed(room: string | undefined): Feed {
    if (room === undefined) return this.lobby;
    let feed = this.rooms.get(room);
    if (feed === undefined) {
      if (this.rooms.size >= this.maxRooms) throw new WirelabError('WL_CHAT_CAPACITY', `${this.maxRooms} rooms exist already (maxRooms)`);
      feed = new EmbeddedFeed({ historySize: this.historySize });
      this.rooms.set(room, feed);
    }
    return feed;
  }

  /** The feed a chat message for `room` is published in. Throws WL_CHAT_UNAVAILABLE for the lobby of a broker-backed feed. */
  chatFeed(room: string | undefined): Feed {
    if (room === undefined && !this.lobbyTakesChat) {
      throw new WirelabError(
        'WL_CHAT_UNAVAILABLE',
        'the main feed is shared through a broker and only its publishing instance writes it: send chat to a room',
      );
    }
    return this.feed(room);
  }

  get count(): number {
    return this.rooms.size;
  }
}

/** The feed a subscription request reads: `?room=NAME`, or the main feed without it. Throws WL_BAD_QUERY on a bad name. */
export function requestFeed(request: FastifyRequest, rooms: ChatRooms): Feed {
  const room = single(request.query as Record<string, string | string[] | undefined>, 'room');
  return rooms.feed(room === undefined ? undefined : checkRoomName(room, 'WL_BAD_QUERY', 'room'));
}
