import type { LiveRoomSummary } from './api-types';
import { eventsPerSecond, roomSeqs } from './admin-totals';

const room = (roomId: string, seq: number): LiveRoomSummary => ({
  roomId,
  seq,
  owner: { userId: roomId, name: `user${roomId}` },
  players: 1,
  spectators: 0,
  version: 0,
  instances: ['a'],
});

describe("events per second from the rooms' seq", () => {
  it('is unknown on the first look', () => {
    expect(eventsPerSecond(undefined, roomSeqs([room('1', 5)], 1000))).toBeNull();
  });

  it('adds up the seq steps of the rooms live in both looks, per second', () => {
    const before = roomSeqs([room('1', 10), room('2', 4)], 1000);
    const after = roomSeqs([room('1', 16), room('2', 8)], 3000);
    expect(eventsPerSecond(before, after)).toBe(5);
  });

  it('ignores a room that just filled or emptied, and a seq that went back', () => {
    const before = roomSeqs([room('1', 10), room('gone', 50), room('reset', 40)], 0);
    const after = roomSeqs([room('1', 13), room('new', 900), room('reset', 2)], 1000);
    expect(eventsPerSecond(before, after)).toBe(3);
  });

  it('is unknown when no time passed', () => {
    const look = roomSeqs([room('1', 1)], 1000);
    expect(eventsPerSecond(look, roomSeqs([room('1', 3)], 1000))).toBeNull();
  });
});
