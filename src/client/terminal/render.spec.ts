import type { Member } from '../myroom-client';
import { avatarMarks, renderScreen } from './render';
import { RoomView } from './room-view';

const member = (userId: string, name: string, x: number, y: number): Member => ({ userId, name, x, y, role: 'player' });

const view = new RoomView({
  type: 'welcome',
  roomId: '1',
  seq: 7,
  epoch: 'e1',
  you: { userId: '2', role: 'player', owner: false },
  map: {
    version: 2,
    width: 12,
    height: 6,
    objects: [
      { id: 'w1', kind: 'wall', x: 3, y: 1, w: 1, h: 1 },
      { id: 'g1', kind: 'game', x: 6, y: 2, w: 2, h: 2, gameId: 4 },
    ],
  },
  members: [
    member('1', 'user1', 0, 0),
    member('2', 'user2', 2, 1),
    member('3', 'Zoe', 11, 5),
    member('4', 'user4', 11, 5),
  ],
  spectators: 1,
});

describe('avatarMarks', () => {
  it('uses a unique initial, else the last character of the user id, else a free letter', () => {
    expect(avatarMarks([member('1', 'user1', 0, 0), member('2', 'user2', 0, 0), member('3', 'Zoe', 0, 0)])).toEqual(
      new Map([
        ['1', '1'],
        ['2', '2'],
        ['3', 'Z'],
      ]),
    );
    expect(avatarMarks([member('11', 'ann', 0, 0), member('21', 'amy', 0, 0)])).toEqual(
      new Map([
        ['11', '1'],
        ['21', 'A'],
      ]),
    );
  });
});

describe('renderScreen', () => {
  const screen = (over: Partial<Parameters<typeof renderScreen>[0]> = {}) =>
    renderScreen({
      view,
      roomId: '1',
      connection: 'connected',
      events: ['user1 moved right to (0,0)'],
      cols: 100,
      rows: 20,
      color: false,
      ...over,
    });

  it('draws the grid with rulers, objects, avatars by mark (yours marked) and several on one cell', () => {
    const lines = screen();
    expect(lines[0]).toBe('My Room | room 1 | connected | seq 7 | map v2 12x6, 1 wall, 1 game');
    expect(lines[1]).toBe('you: user2, [2] at (2,1)');
    const grid = lines.slice(2, 12).map((l) => l.slice(0, 31));
    expect(grid).toEqual([
      '      0                   1    ',
      '      0 1 2 3 4 5 6 7 8 9 0 1  ',
      '    +-------------------------+',
      '  0 | 1 . . . . . . . . . . . |',
      '  1 | . .*2 # . . . . . . . . |',
      '  2 | . . . . . . g g . . . . |',
      '  3 | . . . . . . g g . . . . |',
      '  4 | . . . . . . . . . . . . |',
      '  5 | . . . . . . . . . . . + |',
      '    +-------------------------+',
    ]);
  });

  it('lists members and events beside the grid, and the keys below', () => {
    const text = screen().join('\n');
    expect(text).toContain('members (4, 1 watching):');
    expect(text).toContain(' 2 user2 (2,1) you');
    expect(text).toContain(' 1 user1 (0,0) owner');
    expect(text).toContain(' user1 moved right to (0,0)');
    expect(screen().at(-2)).toBe('W/A/S/D or arrows: move | q: quit');
  });

  it('highlights your avatar with ANSI when colour is allowed', () => {
    expect(screen({ color: true }).join('\n')).toContain('\x1b[7;1m2\x1b[0m');
  });

  it('shows the build prompt and its syntax', () => {
    const lines = screen({ prompt: 'wall 3' });
    expect(lines.at(-1)).toMatch(/^build> wall 3_ /);
    expect(lines.at(-2)).toMatch(/^build wall <x> <y> \| game <x> <y> <gameId>/);
  });

  it('fits the terminal: never more rows than it has, no line wider than it', () => {
    for (const [cols, rows] of [
      [100, 20],
      [60, 12],
      [40, 8],
    ]) {
      const lines = screen({ cols, rows, events: ['a very long event '.repeat(10)] });
      expect(lines.length).toBeLessThanOrEqual(rows);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(cols);
    }
  });

  it('before the welcome, says it is waiting', () => {
    expect(screen({ view: undefined, connection: 'connecting' })[1]).toBe('waiting for the room...');
  });
});
