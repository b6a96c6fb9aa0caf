import type { Member, RoomEvent, RoomMap } from './messages';
import { applyRoomEvent, type RoomFrame } from './room-reducer';

const map = (version: number): RoomMap => ({ version, width: 5, height: 5, objects: [] });
const member = (userId: string, x = 0, y = 0, role: Member['role'] = 'player'): Member => ({
  userId,
  name: `n${userId}`,
  x,
  y,
  role,
});
const frame = (...members: Member[]): RoomFrame => ({
  map: map(0),
  members: new Map(members.map((m) => [m.userId, m])),
});
const ids = (room: RoomFrame) => [...room.members.keys()];

describe('applyRoomEvent', () => {
  it('entered adds a player last (again last when already there); a spectator changes nothing', () => {
    const room = frame(member('a'), member('b'));
    applyRoomEvent(room, { type: 'entered', roomId: 'r', seq: 1, member: member('a', 2, 2) });
    expect(ids(room)).toEqual(['b', 'a']);
    expect(room.members.get('a')).toMatchObject({ x: 2, y: 2 });
    applyRoomEvent(room, { type: 'entered', roomId: 'r', seq: 2, member: member('s', 0, 0, 'spectator') });
    expect(ids(room)).toEqual(['b', 'a']);
  });

  it('moved moves a known avatar and ignores an unknown one; left removes it', () => {
    const room = frame(member('a'));
    applyRoomEvent(room, { type: 'moved', roomId: 'r', seq: 1, userId: 'a', x: 1, y: 0, dir: 'right' });
    applyRoomEvent(room, { type: 'moved', roomId: 'r', seq: 2, userId: 'zz', x: 1, y: 0, dir: 'right' });
    expect([...room.members.values()]).toEqual([member('a', 1, 0)]);
    applyRoomEvent(room, { type: 'left', roomId: 'r', seq: 3, userId: 'a', reason: 'leave' });
    expect(ids(room)).toEqual([]);
  });

  it('built replaces the map and every position; notice, said and unknown types change nothing', () => {
    const room = frame(member('a'), member('b'));
    applyRoomEvent(room, { type: 'built', roomId: 'r', seq: 1, map: map(1), members: [member('b', 3, 3)] });
    expect(room.map).toEqual(map(1));
    expect([...room.members.values()]).toEqual([member('b', 3, 3)]);
    const before = { map: room.map, members: [...room.members.values()] };
    applyRoomEvent(room, { type: 'notice', roomId: 'r', seq: 2, text: 'hi', from: { userId: 'x', name: 'x' } });
    applyRoomEvent(room, { type: 'said', roomId: 'r', seq: 3, userId: 'b', name: 'b', text: 'hi', at: 'now' });
    applyRoomEvent(room, { type: 'future', roomId: 'r', seq: 4 } as unknown as RoomEvent);
    expect({ map: room.map, members: [...room.members.values()] }).toEqual(before);
  });
});
