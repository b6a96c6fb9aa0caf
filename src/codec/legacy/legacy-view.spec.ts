import type { Member, RoomMap, ServerMessage } from '../../protocol/messages';
import { legacyFrameOf, syncFrame } from './legacy-view';

const map: RoomMap = {
  version: 4,
  width: 20,
  height: 20,
  objects: [
    { id: 'o1', kind: 'wall', x: 3, y: 0, w: 1, h: 1 },
    { id: 'o2', kind: 'game', x: 5, y: 5, w: 2, h: 2, gameId: 7 },
    { id: 'o3', kind: 'game', x: 9, y: 9, w: 2, h: 2, gameId: 8 },
  ],
};
const members: Member[] = [
  { userId: '1', name: 'Ann', x: 0, y: 0, role: 'player' },
  { userId: '3', name: 'Bo', x: 4, y: 2, role: 'player' },
];
const names = new Map([[7, 'Chess']]);
const frame = (text: string | undefined) => ({
  code: text?.slice(0, 2),
  payload: JSON.parse(text!.slice(2)) as unknown,
});

describe('legacy view: v1 messages as the original clients read them', () => {
  it('shows a room as an 11 SYNC: users by id, games by game id, other objects by object id', () => {
    expect(frame(syncFrame({ roomId: '1', members, map }, names))).toEqual({
      code: '11',
      payload: {
        room: {
          roomId: '1',
          userCount: 2,
          users: { '1': { nickname: 'Ann', x: 0, y: 0 }, '3': { nickname: 'Bo', x: 4, y: 2 } },
          map: {
            side: 20,
            gameList: ['7', '8'],
            objectList: ['o1'],
            games: { '7': { name: 'Chess', x: 5, y: 5 }, '8': { name: 'game 8', x: 9, y: 9 } },
            objects: { o1: { name: 'wall', x: 3, y: 0 } },
          },
        },
      },
    });
  });

  it('turns a welcome and a built event into a SYNC of the same room', () => {
    const welcome: ServerMessage = {
      type: 'welcome',
      roomId: '1',
      seq: 9,
      epoch: 'e1',
      you: { userId: '3', role: 'player', owner: false },
      map,
      members,
      spectators: 0,
    };
    const built: ServerMessage = { type: 'built', roomId: '1', seq: 10, map, members };
    expect(legacyFrameOf(welcome, names)).toBe(syncFrame({ roomId: '1', members, map }, names));
    expect(legacyFrameOf(built, names)).toBe(syncFrame({ roomId: '1', members, map }, names));
  });

  it('turns entered, moved and left into 10, 20 (direction and position) and 19', () => {
    const member = members[1];
    expect(legacyFrameOf({ type: 'entered', roomId: '1', seq: 2, member }, names)).toBe(
      '10{"user_id":"3","nickname":"Bo"}',
    );
    expect(legacyFrameOf({ type: 'moved', roomId: '1', seq: 3, userId: '3', x: 4, y: 2, dir: 'right' }, names)).toBe(
      '20{"user_id":"3","direction":1,"x":4,"y":2}',
    );
    expect(legacyFrameOf({ type: 'left', roomId: '1', seq: 4, userId: '3', reason: 'timeout' }, names)).toBe(
      '19{"user_id":"3"}',
    );
  });

  it('turns errors into 99 and replacement into 98', () => {
    expect(legacyFrameOf({ type: 'error', code: 'BLOCKED', message: 'that step is blocked', x: 1, y: 1 }, names)).toBe(
      '99{"message":"BLOCKED: that step is blocked"}',
    );
    expect(legacyFrameOf({ type: 'replaced', message: 'elsewhere' }, names)).toBe('98{"message":"elsewhere"}');
  });

  it('has no word for acks, chat and notices', () => {
    expect(legacyFrameOf({ type: 'ack', id: 'a' }, names)).toBeUndefined();
    expect(
      legacyFrameOf(
        { type: 'said', roomId: '1', seq: 5, userId: '1', name: 'Ann', text: 'hi', at: '2025-01-01T00:00:00.000Z' },
        names,
      ),
    ).toBeUndefined();
  });
});
