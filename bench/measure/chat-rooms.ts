/**
 * Scenario `chat`: which room each client is in and which clients send. Pure arithmetic on a
 * client's position in its protocol's run, so every worker (and agent) agrees without asking.
 */

/** Where a protocol's clients start in the run's numbering and how the scenario is laid out. */
export interface ChatLayout {
  /** The client index of the protocol's first client (client ids are `c<index>`). */
  readonly firstIndex: number;
  /** Clients of the protocol. */
  readonly clients: number;
  /** Clients per room; null: one room of everyone. */
  readonly roomSize: number | null;
  /** Share of the clients that send, 0 < share <= 1. */
  readonly senderShare: number;
}

/** How many rooms the layout makes. */
export function roomCount(clients: number, roomSize: number | null): number {
  return roomSize === null ? 1 : Math.ceil(clients / roomSize);
}

/**
 * The room of the client with run index `index`: rooms are named after the protocol's first
 * index, so each protocol (and each repetition) gets rooms of its own and reads no history
 * left by an earlier one on the same server.
 */
export function roomOf(layout: ChatLayout, index: number): string {
  const position = index - layout.firstIndex;
  const room = layout.roomSize === null ? 0 : Math.floor(position / layout.roomSize);
  return `chat${layout.firstIndex}-${room}`;
}

/**
 * Whether the client with run index `index` sends: `share` of each room's members, spread
 * evenly through the room (the k-th member sends when the running total of `share` passes a
 * whole number), so every room gets its part of the senders.
 */
export function isSender(layout: ChatLayout, index: number): boolean {
  if (layout.senderShare >= 1) return true;
  const position = index - layout.firstIndex;
  const inRoom = layout.roomSize === null ? position : position % layout.roomSize;
  return Math.floor((inRoom + 1) * layout.senderShare) > Math.floor(inRoom * layout.senderShare);
}
