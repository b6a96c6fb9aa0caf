import { DIRECTIONS } from '../../domain/map';
import type { Member, RoomMap, ServerMessage } from '../../protocol/messages';
import { formatLegacyFrame, LegacyCode } from './legacy-frames';

/**
 * v1 server messages as the original clients read them (docs/LEGACY-PROTOCOL.md). Pure: the room
 * service sends v1 messages to every session; a legacy session's are rewritten here, so the room
 * machinery (seq, ordering, replacement, slow consumers) is the same for both kinds of client.
 */

/** Game names by game id, for the `games` of a SYNC; a game it does not know is named after its id. */
export interface GameNames {
  get(gameId: number): string | undefined;
}

/** The room as a SYNC shows it: what a welcome and a `built` event both carry. */
export interface LegacyRoomView {
  roomId: string;
  members: readonly Member[];
  map: RoomMap;
}

export interface LegacySyncPayload {
  room: {
    roomId: string;
    userCount: number;
    users: Record<string, { nickname: string; x: number; y: number }>;
    map: LegacyMapView;
  };
}

export interface LegacyMapView {
  side: number;
  gameList: string[];
  objectList: string[];
  games: Record<string, { name: string; x: number; y: number }>;
  objects: Record<string, { name: string; x: number; y: number }>;
}

/** The `11` SYNC of a room: users by id, games by game id, other objects by object id (`name` = kind). */
export function syncFrame(room: LegacyRoomView, names: GameNames): string {
  const users: LegacySyncPayload['room']['users'] = {};
  for (const m of room.members) if (m.role === 'player') users[m.userId] = { nickname: m.name, x: m.x, y: m.y };
  const payload: LegacySyncPayload = {
    room: { roomId: room.roomId, userCount: Object.keys(users).length, users, map: legacyMapOf(room.map, names) },
  };
  return formatLegacyFrame(LegacyCode.SYNC, payload);
}

/**
 * A v1 map in the original shape. The original keyed games by game id, so a map holding one game
 * twice (which v1 allows) shows it once, at its first place; the other stays an obstacle all the same.
 */
export function legacyMapOf(map: RoomMap, names: GameNames): LegacyMapView {
  // The original maps were square; a v1 map that is not shows its width.
  const view: LegacyMapView = { side: map.width, gameList: [], objectList: [], games: {}, objects: {} };
  for (const o of map.objects) {
    if (o.gameId !== undefined) {
      const key = String(o.gameId);
      if (Object.hasOwn(view.games, key)) continue;
      view.gameList.push(key);
      view.games[key] = { name: names.get(o.gameId) ?? `game ${o.gameId}`, x: o.x, y: o.y };
    } else {
      view.objectList.push(o.id);
      view.objects[o.id] = { name: o.kind, x: o.x, y: o.y };
    }
  }
  return view;
}

/** The `99` of an error: the v1 code leads the message, so a log of the original client still says what it was. */
export function errorFrame(code: string, message: string): string {
  return formatLegacyFrame(LegacyCode.ERROR, { message: `${code}: ${message}` });
}

/**
 * The legacy frame for one v1 message, or undefined for what the original clients have no word
 * for (acks, chat, notices: they would only confuse them).
 */
export function legacyFrameOf(msg: ServerMessage, names: GameNames): string | undefined {
  switch (msg.type) {
    case 'welcome':
      return syncFrame(msg, names);
    case 'built':
      return syncFrame(msg, names);
    case 'entered':
      return formatLegacyFrame(LegacyCode.ENTER, { user_id: msg.member.userId, nickname: msg.member.name });
    case 'moved':
      return formatLegacyFrame(LegacyCode.MOVE, {
        user_id: msg.userId,
        direction: DIRECTIONS.indexOf(msg.dir),
        x: msg.x,
        y: msg.y,
      });
    case 'left':
      return formatLegacyFrame(LegacyCode.LEAVE, { user_id: msg.userId });
    case 'error':
      return errorFrame(msg.code, msg.message);
    case 'replaced':
      return formatLegacyFrame(LegacyCode.REPLACED, { message: msg.message });
    case 'kicked':
      return errorFrame('KICKED', msg.message);
    case 'ack':
    case 'notice':
    case 'said':
    // A legacy socket cannot ask for a replay, so it never ends one.
    case 'replay-end':
      return undefined;
  }
}
