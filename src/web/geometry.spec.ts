import type { MapObject } from '../protocol/messages';
import { avatarSlots, cellAt, colorFor, fitCellSize, fitText, fitWrapped, objectAt, wrapText } from './geometry';

/** A monospace stand-in for canvas text measuring: 10 px per character. */
const mono = (s: string) => s.length * 10;

describe('fitCellSize', () => {
  it('takes the largest whole cell that fits, within bounds', () => {
    expect(fitCellSize(20, 20, 640, 800)).toBe(32);
    expect(fitCellSize(20, 10, 640, 200)).toBe(20);
    expect(fitCellSize(20, 20, 2000, 2000)).toBe(40);
    expect(fitCellSize(200, 200, 640, 640)).toBe(14);
    expect(fitCellSize(0, 20, 640, 640)).toBe(14);
  });
});

describe('cellAt', () => {
  it('finds the cell under a point, and nothing outside the map', () => {
    expect(cellAt(0, 0, 32, 20, 20)).toEqual({ x: 0, y: 0 });
    expect(cellAt(31.9, 32, 32, 20, 20)).toEqual({ x: 0, y: 1 });
    expect(cellAt(5 * 32 + 16, 3 * 32 + 16, 32, 20, 20)).toEqual({ x: 5, y: 3 });
    expect(cellAt(640, 10, 32, 20, 20)).toBeNull();
    expect(cellAt(10, 640, 32, 20, 20)).toBeNull();
    expect(cellAt(-1, 10, 32, 20, 20)).toBeNull();
  });
});

describe('objectAt', () => {
  const game: MapObject = { id: 'g', kind: 'game', x: 4, y: 4, w: 2, h: 2, gameId: 3 };
  const wall: MapObject = { id: 'w', kind: 'wall', x: 0, y: 0, w: 1, h: 1 };
  it('finds the object whose footprint covers the cell', () => {
    expect(objectAt([wall, game], { x: 5, y: 5 })).toBe(game);
    expect(objectAt([wall, game], { x: 4, y: 4 })).toBe(game);
    expect(objectAt([wall, game], { x: 0, y: 0 })).toBe(wall);
    expect(objectAt([wall, game], { x: 6, y: 5 })).toBeUndefined();
  });
});

describe('avatarSlots', () => {
  it('gives one avatar the whole cell and shares it between more', () => {
    expect(avatarSlots(1)).toEqual([{ dx: 0, dy: 0, r: 0.36 }]);
    expect(avatarSlots(2).map((s) => s.dx)).toEqual([-0.23, 0.23]);
    const six = avatarSlots(6);
    expect(six).toHaveLength(6);
    for (const s of six) expect(Math.abs(s.dx) + s.r).toBeLessThanOrEqual(0.5);
  });
});

describe('fitText and wrapText', () => {
  it('cuts text to a width with an ellipsis', () => {
    expect(fitText('Chess', 50, mono)).toBe('Chess');
    expect(fitText('Backgammon', 50, mono)).toBe('Back…');
    expect(fitText('Backgammon', 5, mono)).toBe('…');
  });

  it('wraps words into lines and cuts the last one', () => {
    expect(wrapText('Connect Four', 80, 2, mono)).toEqual(['Connect', 'Four']);
    expect(wrapText('Go', 80, 2, mono)).toEqual(['Go']);
    expect(wrapText("Nine Men's Morris", 60, 2, mono)).toEqual(['Nine', "Men's…"]);
    expect(wrapText('Minesweeper', 60, 2, mono)).toEqual(['Mines…']);
    expect(wrapText('Tic-Tac-Toe', 120, 1, mono)).toEqual(['Tic-Tac-Toe']);
    expect(wrapText('', 80, 2, mono)).toEqual([]);
  });
});

describe('fitWrapped', () => {
  /** Each character is 0.6 of the font size wide. */
  const scaled = (s: string, size: number) => s.length * size * 0.6;
  it('takes the largest size at which the whole text fits', () => {
    expect(fitWrapped('Checkers', 60, 2, [13, 12, 11, 10, 9], scaled)).toEqual({ size: 12, lines: ['Checkers'] });
    expect(fitWrapped('Go', 60, 2, [13, 12], scaled)).toEqual({ size: 13, lines: ['Go'] });
    expect(fitWrapped('Connect Four', 60, 2, [13, 12, 11], scaled)).toEqual({ size: 13, lines: ['Connect', 'Four'] });
  });

  it('breaks one long word with a hyphen before it would cut it', () => {
    expect(fitWrapped('Backgammon', 40, 2, [13, 9], scaled)).toEqual({ size: 9, lines: ['Back-', 'gammon'] });
    expect(fitWrapped('Minesweeper', 60, 2, [10], scaled)).toEqual({ size: 10, lines: ['Mines-', 'weeper'] });
  });

  it('falls back to the smallest size, cut, when nothing fits', () => {
    expect(fitWrapped('Minesweeper', 20, 2, [13, 9], scaled)).toEqual({ size: 9, lines: ['Mi…'] });
    expect(fitWrapped('Minesweeper', 40, 1, [13, 9], scaled)).toEqual({ size: 9, lines: ['Minesw…'] });
  });
});

describe('colorFor', () => {
  const hue = (c: string) => Number(/hsl\((\d+)/.exec(c)![1]);
  const apart = (a: number, b: number) => Math.min(Math.abs(a - b), 360 - Math.abs(a - b));

  it('is stable per id and differs between ids', () => {
    expect(colorFor('3')).toBe(colorFor('3'));
    expect(colorFor('3')).not.toBe(colorFor('4'));
    expect(colorFor('3')).toMatch(/^hsl\(\d+ 62% 52%\)$/);
    expect(colorFor('alice')).toBe(colorFor('alice'));
    expect(colorFor('alice')).not.toBe(colorFor('bob'));
  });

  it('keeps neighbouring numeric ids far apart on the colour wheel', () => {
    for (let n = 1; n < 30; n++)
      expect(apart(hue(colorFor(String(n))), hue(colorFor(String(n + 1))))).toBeGreaterThan(100);
  });

  it('shifts by the offset', () => {
    expect(apart(hue(colorFor('3')), hue(colorFor('3', 62, 52, 180)))).toBe(180);
  });
});
