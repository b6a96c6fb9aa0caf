import type { Member, Role, RoomMap, SaidEvent, WelcomeMessage } from '../protocol/messages';
import type { ClientSession } from './client-session';

/** The room as a `welcome` shows it: what an enter's write and a lagging socket's read both hand over. */
export interface WelcomeRoom {
  roomId: string;
  seq: number;
  epoch: string;
  map: RoomMap;
  members: Member[];
  spectators: number;
  chat: SaidEvent[];
}

/** One `welcome` for `session`, seated as `role` in a room owned by `ownerId`; the caller adds what is particular to it. */
export function welcomeFor(
  session: ClientSession,
  role: Role,
  ownerId: string,
  room: WelcomeRoom,
  requestId?: string,
): WelcomeMessage {
  const { userId } = session.identity;
  return {
    type: 'welcome',
    ...(requestId !== undefined ? { id: requestId } : {}),
    roomId: room.roomId,
    seq: room.seq,
    epoch: room.epoch,
    you: { userId, role, owner: ownerId === userId },
    map: room.map,
    members: room.members,
    spectators: room.spectators,
    chat: room.chat,
  };
}
