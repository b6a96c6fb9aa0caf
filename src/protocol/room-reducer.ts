import type { Member, RoomEvent, RoomMap } from './messages';

/** What a room's events change: its map and its avatars (players only), in entering order. */
export interface RoomFrame {
  map: RoomMap;
  members: Map<string, Member>;
}

/**
 * The one rule for what a room event does to the room, shared by every client's model
 * (client/room-model.ts) and the server's replay, which rebuilds a past room from a snapshot and
 * the logged events. Pure: it changes only `room`. Events that change neither the map nor the
 * avatars (`notice`, `said`, types a newer server adds) leave it as it is.
 */
export function applyRoomEvent(room: RoomFrame, event: RoomEvent): void {
  switch (event.type) {
    case 'entered':
      // Spectators have no avatar (PROTOCOL.md: `members` lists players only).
      if (event.member.role !== 'player') break;
      // Someone entering again goes last, like anyone who just came in.
      room.members.delete(event.member.userId);
      room.members.set(event.member.userId, event.member);
      break;
    case 'moved': {
      const m = room.members.get(event.userId);
      if (m) room.members.set(event.userId, { ...m, x: event.x, y: event.y });
      break;
    }
    case 'built':
      room.map = event.map;
      room.members.clear();
      for (const m of event.members) room.members.set(m.userId, m);
      break;
    case 'left':
      room.members.delete(event.userId);
      break;
    case 'notice':
    case 'said':
      break;
    default:
      // A newer server may send event types we do not know: they change nothing we draw.
      break;
  }
}
