import { filledExcept, game, mapOf, wall } from '../../test/support/domain-fixtures';
import { prng as mulberry32 } from '../../test/support/prng';
import { CATALOGUE, occupancy, occupancyString, overlaps, SPAWN } from './map';

// ---- constants ----------------------------------------------------------------------------------

describe('CATALOGUE and SPAWN', () => {
  it('a wall is 1x1 and takes no game', () => {
    expect(CATALOGUE.wall).toEqual({ w: 1, h: 1, needsGame: false });
  });

  it('a game is 2x2 and needs a game', () => {
    expect(CATALOGUE.game).toEqual({ w: 2, h: 2, needsGame: true });
  });

  it('knows exactly wall and game', () => {
    expect(Object.keys(CATALOGUE).sort()).toEqual(['game', 'wall']);
  });

  it('spawn is the top-left cell', () => {
    expect(SPAWN).toEqual({ x: 0, y: 0 });
  });
});

// ---- occupancy ----------------------------------------------------------------------------------

describe('occupancy / occupancyString', () => {
  it('an empty map is all zeros of length width*height', () => {
    const grid = occupancy(mapOf(4, 3));
    expect(grid).toBeInstanceOf(Uint8Array);
    expect(grid.length).toBe(12);
    expect(Array.from(grid).every((v) => v === 0)).toBe(true);
    expect(occupancyString(mapOf(4, 3))).toBe('000000000000');
  });

  it('is row-major: index = y*width + x', () => {
    const m = mapOf(4, 3, [wall('a', 3, 0), wall('b', 0, 1), wall('c', 2, 2)]);
    const grid = occupancy(m);
    const ones = Array.from(grid).flatMap((v, i) => (v ? [i] : []));
    expect(ones).toEqual([3, 4, 10]);
    expect(occupancyString(m)).toBe('0001' + '1000' + '0010');
  });

  it('a non-square map is not transposed', () => {
    // 2 wide, 3 high: a wall at (1,2) is index 5; transposed it would be index 7 (out of range).
    const m = mapOf(2, 3, [wall('a', 1, 2)]);
    expect(occupancyString(m)).toBe('00' + '00' + '01');
    const wide = mapOf(3, 2, [wall('a', 2, 1)]);
    expect(occupancyString(wide)).toBe('000' + '001');
  });

  it('a game fills its whole 2x2 footprint and nothing else', () => {
    const m = mapOf(4, 4, [game('g', 1, 2)]);
    expect(occupancyString(m)).toBe('0000' + '0000' + '0110' + '0110');
  });

  it('a game in the bottom-right corner fills the last two rows/columns', () => {
    const m = mapOf(3, 3, [game('g', 1, 1)]);
    expect(occupancyString(m)).toBe('000' + '011' + '011');
  });

  it('only uses 0 and 1 characters, one per cell', () => {
    const m = mapOf(5, 4, [game('g', 0, 0), wall('w', 4, 3), wall('v', 2, 1)]);
    const s = occupancyString(m);
    expect(s).toMatch(/^[01]+$/);
    expect(s.length).toBe(20);
    expect(s).toBe('11000' + '11100' + '00000' + '00001');
    expect(s).toBe(Array.from(occupancy(m)).join(''));
  });

  it('a full map is all ones', () => {
    expect(occupancyString(filledExcept(3, 2))).toBe('111111');
  });

  it('accepts just width/height/objects (no version)', () => {
    expect(occupancyString({ width: 2, height: 1, objects: [wall('w', 1, 0)] })).toBe('01');
  });
});

// ---- overlaps -----------------------------------------------------------------------------------

describe('overlaps', () => {
  const a = { x: 2, y: 2, w: 2, h: 2 };

  it('identical rectangles overlap', () => {
    expect(overlaps(a, { ...a })).toBe(true);
  });

  it('partial overlap in both axes', () => {
    expect(overlaps(a, { x: 3, y: 3, w: 2, h: 2 })).toBe(true);
    expect(overlaps(a, { x: 1, y: 1, w: 2, h: 2 })).toBe(true);
  });

  it('containment overlaps, in both orders', () => {
    const inner = { x: 3, y: 2, w: 1, h: 1 };
    expect(overlaps(a, inner)).toBe(true);
    expect(overlaps(inner, a)).toBe(true);
  });

  it.each([
    ['right', { x: 4, y: 2, w: 1, h: 1 }],
    ['left', { x: 1, y: 3, w: 1, h: 1 }],
    ['below', { x: 3, y: 4, w: 1, h: 1 }],
    ['above', { x: 2, y: 1, w: 1, h: 1 }],
    ['right (2x2)', { x: 4, y: 2, w: 2, h: 2 }],
    ['below (2x2)', { x: 2, y: 4, w: 2, h: 2 }],
    ['above-left (2x2)', { x: 0, y: 0, w: 2, h: 2 }],
  ])('edge-adjacent %s does not overlap (touching is not overlapping)', (_side, b) => {
    expect(overlaps(a, b)).toBe(false);
    expect(overlaps(b, a)).toBe(false);
  });

  it.each([
    ['top-left', { x: 1, y: 1, w: 1, h: 1 }],
    ['top-right', { x: 4, y: 1, w: 1, h: 1 }],
    ['bottom-left', { x: 1, y: 4, w: 1, h: 1 }],
    ['bottom-right', { x: 4, y: 4, w: 1, h: 1 }],
  ])('corner-touching %s does not overlap', (_corner, b) => {
    expect(overlaps(a, b)).toBe(false);
    expect(overlaps(b, a)).toBe(false);
  });

  it('overlapping on one axis only is not overlapping', () => {
    expect(overlaps(a, { x: 2, y: 10, w: 2, h: 2 })).toBe(false);
    expect(overlaps(a, { x: 10, y: 2, w: 2, h: 2 })).toBe(false);
  });

  it('unit cells overlap only when equal', () => {
    const c = { x: 5, y: 5, w: 1, h: 1 };
    expect(overlaps(c, { x: 5, y: 5, w: 1, h: 1 })).toBe(true);
    expect(overlaps(c, { x: 6, y: 5, w: 1, h: 1 })).toBe(false);
    expect(overlaps(c, { x: 5, y: 6, w: 1, h: 1 })).toBe(false);
  });

  it('agrees with a cell-by-cell check on random rectangles', () => {
    const rnd = mulberry32(99);
    const cells = (r: { x: number; y: number; w: number; h: number }) => {
      const s = new Set<string>();
      for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) s.add(`${x},${y}`);
      return s;
    };
    for (let t = 0; t < 500; t++) {
      const r1 = {
        x: Math.floor(rnd() * 6),
        y: Math.floor(rnd() * 6),
        w: 1 + Math.floor(rnd() * 3),
        h: 1 + Math.floor(rnd() * 3),
      };
      const r2 = {
        x: Math.floor(rnd() * 6),
        y: Math.floor(rnd() * 6),
        w: 1 + Math.floor(rnd() * 3),
        h: 1 + Math.floor(rnd() * 3),
      };
      const c1 = cells(r1);
      const shared = [...cells(r2)].some((k) => c1.has(k));
      expect(overlaps(r1, r2)).toBe(shared);
    }
  });
});
