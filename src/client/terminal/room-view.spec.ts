import type { Member, WelcomeMessage } from '../myroom-client';
import { describeError, describeEvent, describeLine, describeWelcome, inert, RoomView } from './room-view';

const member = (userId: string, x = 0, y = 0): Member => ({ userId, name: `user${userId}`, x, y, role: 'player' });
const welcome: WelcomeMessage = {
  type: 'welcome',
  roomId: '1',
  seq: 10,
  epoch: 'e1',
  you: { userId: '1', role: 'player', owner: true },
  map: { version: 0, width: 20, height: 20, objects: [] },
  members: [member('1'), member('2', 4, 4)],
  spectators: 0,
};
const base = new RoomView(welcome);

// The rules of applying events are RoomModel's (room-model.spec.ts); these check what the terminal adds.
describe('the room view, from server frames only', () => {
  it('follows entered, moved, built and left in seq order, newcomers listed last', () => {
    const v = new RoomView(welcome);
    v.apply({ type: 'entered', roomId: '1', seq: 11, member: member('3') });
    v.apply({ type: 'moved', roomId: '1', seq: 12, userId: '3', x: 1, y: 0, dir: 'right' });
    expect(v.members.map((m) => m.userId)).toEqual(['1', '2', '3']);
    expect(v.members.find((m) => m.userId === '3')).toMatchObject({ x: 1, y: 0 });
    const map = { version: 1, width: 20, height: 20, objects: [{ id: 'w', kind: 'wall', x: 1, y: 0, w: 1, h: 1 }] };
    v.apply({ type: 'built', roomId: '1', seq: 13, map, members: [member('1'), member('2', 4, 4), member('3', 0, 0)] });
    expect(v.map).toBe(map);
    expect(v.members.find((m) => m.userId === '3')).toMatchObject({ x: 0, y: 0 });
    v.apply({ type: 'left', roomId: '1', seq: 14, userId: '2', reason: 'disconnect' });
    expect(v.members.map((m) => m.userId)).toEqual(['1', '3']);
    expect(v).toMatchObject({ seq: 14, missedEvents: false });
  });

  it('ignores events it has already seen and events of another room', () => {
    const v = new RoomView(welcome);
    v.apply({ type: 'moved', roomId: '1', seq: 10, userId: '2', x: 9, y: 9, dir: 'up' });
    v.apply({ type: 'moved', roomId: '2', seq: 11, userId: '2', x: 9, y: 9, dir: 'up' });
    expect(v.seq).toBe(10);
    expect(v.members).toEqual(welcome.members);
  });

  it('goes on past a gap in seq, and says positions may be stale', () => {
    const v = new RoomView(welcome);
    v.apply({ type: 'moved', roomId: '1', seq: 13, userId: '2', x: 4, y: 5, dir: 'down' });
    expect(v.missedEvents).toBe(true);
    expect(v.seq).toBe(13);
    expect(v.members.find((m) => m.userId === '2')).toMatchObject({ x: 4, y: 5 });
    v.apply({ type: 'left', roomId: '1', seq: 14, userId: '2', reason: 'leave' });
    expect(v.members.map((m) => m.userId)).toEqual(['1']);
    expect(v.missedEvents).toBe(true);
  });

  it('does not list spectators as avatars', () => {
    const v = new RoomView(welcome);
    v.apply({ type: 'entered', roomId: '1', seq: 11, member: { ...member('9'), role: 'spectator' } });
    expect(v.members).toHaveLength(2);
    expect(v.seq).toBe(11);
  });
});

describe('events in plain words', () => {
  it('names people, says "you" for yourself, and tells who a build pushed', () => {
    expect(describeWelcome(welcome)).toBe('you entered room 1 as its owner; 1 other is here');
    expect(describeEvent(base, { type: 'moved', roomId: '1', seq: 11, userId: '2', x: 4, y: 3, dir: 'up' })).toBe(
      'user2 moved up to (4,3)',
    );
    expect(describeEvent(base, { type: 'moved', roomId: '1', seq: 11, userId: '1', x: 1, y: 0, dir: 'right' })).toBe(
      'you moved right to (1,0)',
    );
    expect(describeEvent(base, { type: 'left', roomId: '1', seq: 11, userId: '2', reason: 'timeout' })).toBe(
      'user2 timed out',
    );
    const map = { version: 1, width: 20, height: 20, objects: [{ id: 'w', kind: 'wall', x: 4, y: 4, w: 1, h: 1 }] };
    expect(
      describeEvent(base, { type: 'built', roomId: '1', seq: 11, map, members: [member('1'), member('2', 4, 3)] }),
    ).toBe('the map changed (version 1, 1 wall); user2 pushed to (4,3)');
    expect(describeError({ code: 'BLOCKED', message: 'that step is blocked' })).toBe('blocked: that step is blocked');
  });
});

describe('chat lines in the terminal', () => {
  it('show who said what, with control characters made inert', () => {
    const view = new RoomView(welcome);
    const line = {
      type: 'said' as const,
      roomId: '1',
      seq: 2,
      userId: '2',
      name: 'b\x1b[2Job',
      text: 'hi \x1b]0;pwned\x07 <b>x</b>',
      at: '',
    };
    expect(describeLine(view, line)).toBe('b\ufffd[2Job: hi \ufffd]0;pwned\ufffd <b>x</b>');
    expect(describeLine(view, { ...line, userId: view.you.userId })).toMatch(/^you: /);
    expect(inert('ok ✓ 👋')).toBe('ok ✓ 👋');
  });
});
