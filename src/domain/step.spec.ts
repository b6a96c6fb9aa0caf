import { game, mapOf, wall } from '../../test/support/domain-fixtures';
import { type Cell, DIRECTIONS, type Direction, occupancy } from './map';
import { canStep, inBounds, isFree, stepTarget } from './step';

// ---- steps --------------------------------------------------------------------------------------

describe('stepTarget', () => {
  const from = { x: 5, y: 5 };

  it.each<[Direction, Cell]>([
    ['up', { x: 5, y: 4 }],
    ['right', { x: 6, y: 5 }],
    ['down', { x: 5, y: 6 }],
    ['left', { x: 4, y: 5 }],
  ])('%s moves one cell (y grows downwards)', (dir, to) => {
    expect(stepTarget(from, dir)).toEqual(to);
  });

  it('covers every protocol direction', () => {
    for (const dir of DIRECTIONS) {
      const to = stepTarget(from, dir);
      expect(Math.abs(to.x - from.x) + Math.abs(to.y - from.y)).toBe(1);
    }
  });

  it('does not mutate its input', () => {
    const c = { x: 1, y: 1 };
    stepTarget(c, 'right');
    expect(c).toEqual({ x: 1, y: 1 });
  });

  it('does not itself clamp: it may produce off-map cells', () => {
    expect(stepTarget({ x: 0, y: 0 }, 'up')).toEqual({ x: 0, y: -1 });
    expect(stepTarget({ x: 0, y: 0 }, 'left')).toEqual({ x: -1, y: 0 });
  });

  it('opposite directions cancel out', () => {
    expect(stepTarget(stepTarget(from, 'up'), 'down')).toEqual(from);
    expect(stepTarget(stepTarget(from, 'left'), 'right')).toEqual(from);
  });
});

describe('inBounds', () => {
  it.each<[Cell, boolean]>([
    [{ x: 0, y: 0 }, true],
    [{ x: 3, y: 0 }, true],
    [{ x: 0, y: 2 }, true],
    [{ x: 3, y: 2 }, true],
    [{ x: 4, y: 0 }, false],
    [{ x: 0, y: 3 }, false],
    [{ x: -1, y: 0 }, false],
    [{ x: 0, y: -1 }, false],
    [{ x: 4, y: 3 }, false],
  ])('in a 4x3 map %j is %s', (c, expected) => {
    expect(inBounds(4, 3, c)).toBe(expected);
  });
});

describe('canStep', () => {
  const W = 4;
  const H = 3;
  const open = mapOf(W, H);

  it.each<Direction>([...DIRECTIONS])('from the middle of an open map, %s is allowed', (dir) => {
    const from = { x: 1, y: 1 };
    expect(canStep(open, from, dir)).toEqual({ ok: true, to: stepTarget(from, dir) });
  });

  describe('edges', () => {
    it('top edge: up is refused, the rest allowed', () => {
      const from = { x: 1, y: 0 };
      expect(canStep(open, from, 'up')).toEqual({ ok: false });
      expect(canStep(open, from, 'down')).toEqual({ ok: true, to: { x: 1, y: 1 } });
      expect(canStep(open, from, 'left')).toEqual({ ok: true, to: { x: 0, y: 0 } });
      expect(canStep(open, from, 'right')).toEqual({ ok: true, to: { x: 2, y: 0 } });
    });

    it('bottom edge: down is refused, the rest allowed', () => {
      const from = { x: 2, y: H - 1 };
      expect(canStep(open, from, 'down')).toEqual({ ok: false });
      expect(canStep(open, from, 'up')).toEqual({ ok: true, to: { x: 2, y: H - 2 } });
      expect(canStep(open, from, 'left')).toEqual({ ok: true, to: { x: 1, y: H - 1 } });
      expect(canStep(open, from, 'right')).toEqual({ ok: true, to: { x: 3, y: H - 1 } });
    });

    it('left edge: left is refused, the rest allowed', () => {
      const from = { x: 0, y: 1 };
      expect(canStep(open, from, 'left')).toEqual({ ok: false });
      expect(canStep(open, from, 'up')).toEqual({ ok: true, to: { x: 0, y: 0 } });
      expect(canStep(open, from, 'down')).toEqual({ ok: true, to: { x: 0, y: 2 } });
      expect(canStep(open, from, 'right')).toEqual({ ok: true, to: { x: 1, y: 1 } });
    });

    it('right edge: right is refused, the rest allowed', () => {
      const from = { x: W - 1, y: 1 };
      expect(canStep(open, from, 'right')).toEqual({ ok: false });
      expect(canStep(open, from, 'up')).toEqual({ ok: true, to: { x: W - 1, y: 0 } });
      expect(canStep(open, from, 'down')).toEqual({ ok: true, to: { x: W - 1, y: 2 } });
      expect(canStep(open, from, 'left')).toEqual({ ok: true, to: { x: W - 2, y: 1 } });
    });
  });

  describe('corners', () => {
    it.each<[string, Cell, Direction[], Direction[]]>([
      ['top-left', { x: 0, y: 0 }, ['up', 'left'], ['down', 'right']],
      ['top-right', { x: W - 1, y: 0 }, ['up', 'right'], ['down', 'left']],
      ['bottom-left', { x: 0, y: H - 1 }, ['down', 'left'], ['up', 'right']],
      ['bottom-right', { x: W - 1, y: H - 1 }, ['down', 'right'], ['up', 'left']],
    ])('%s corner', (_name, from, refused, allowed) => {
      for (const dir of refused) expect(canStep(open, from, dir)).toEqual({ ok: false });
      for (const dir of allowed) expect(canStep(open, from, dir)).toEqual({ ok: true, to: stepTarget(from, dir) });
    });
  });

  it('a 1x1 map refuses every step', () => {
    const tiny = mapOf(1, 1);
    for (const dir of DIRECTIONS) expect(canStep(tiny, { x: 0, y: 0 }, dir)).toEqual({ ok: false });
  });

  describe('walls', () => {
    const m = mapOf(3, 3, [wall('w', 1, 1)]);

    it.each<[Direction, Cell]>([
      ['down', { x: 1, y: 0 }],
      ['up', { x: 1, y: 2 }],
      ['right', { x: 0, y: 1 }],
      ['left', { x: 2, y: 1 }],
    ])('stepping %s into a wall is refused', (dir, from) => {
      expect(canStep(m, from, dir)).toEqual({ ok: false });
    });

    it('stepping alongside a wall is allowed', () => {
      expect(canStep(m, { x: 0, y: 0 }, 'right')).toEqual({ ok: true, to: { x: 1, y: 0 } });
      expect(canStep(m, { x: 0, y: 0 }, 'down')).toEqual({ ok: true, to: { x: 0, y: 1 } });
      expect(canStep(m, { x: 2, y: 2 }, 'up')).toEqual({ ok: true, to: { x: 2, y: 1 } });
    });
  });

  describe('a 2x2 game at (1,1) in a 4x4 map', () => {
    const m = mapOf(4, 4, [game('g', 1, 1)]);
    // Each game cell, entered from each free neighbour outside the footprint.
    const entries: Array<[Cell, Direction, Cell]> = [
      [{ x: 1, y: 0 }, 'down', { x: 1, y: 1 }],
      [{ x: 0, y: 1 }, 'right', { x: 1, y: 1 }],
      [{ x: 2, y: 0 }, 'down', { x: 2, y: 1 }],
      [{ x: 3, y: 1 }, 'left', { x: 2, y: 1 }],
      [{ x: 0, y: 2 }, 'right', { x: 1, y: 2 }],
      [{ x: 1, y: 3 }, 'up', { x: 1, y: 2 }],
      [{ x: 3, y: 2 }, 'left', { x: 2, y: 2 }],
      [{ x: 2, y: 3 }, 'up', { x: 2, y: 2 }],
    ];

    it.each(entries)('from %j going %s into game cell %j is refused', (from, dir, into) => {
      expect(stepTarget(from, dir)).toEqual(into);
      expect(canStep(m, from, dir)).toEqual({ ok: false });
    });

    it('every cell of the footprint is blocked and nothing else is', () => {
      const grid = occupancy(m);
      for (let y = 0; y < 4; y++) {
        for (let x = 0; x < 4; x++) {
          const inside = x >= 1 && x <= 2 && y >= 1 && y <= 2;
          expect(isFree(m, grid, { x, y })).toBe(!inside);
        }
      }
    });

    it('walking around the game is allowed', () => {
      expect(canStep(m, { x: 0, y: 0 }, 'right')).toEqual({ ok: true, to: { x: 1, y: 0 } });
      expect(canStep(m, { x: 3, y: 0 }, 'down')).toEqual({ ok: true, to: { x: 3, y: 1 } });
      expect(canStep(m, { x: 3, y: 3 }, 'left')).toEqual({ ok: true, to: { x: 2, y: 3 } });
      expect(canStep(m, { x: 0, y: 3 }, 'up')).toEqual({ ok: true, to: { x: 0, y: 2 } });
    });
  });

  it('uses a supplied occupancy grid instead of recomputing', () => {
    const m = mapOf(3, 1);
    const grid = new Uint8Array([0, 1, 0]);
    expect(canStep(m, { x: 0, y: 0 }, 'right', grid)).toEqual({ ok: false });
    expect(canStep(m, { x: 0, y: 0 }, 'right')).toEqual({ ok: true, to: { x: 1, y: 0 } });
  });
});

describe('isFree', () => {
  const m = mapOf(3, 2, [wall('w', 2, 0)]);
  const grid = occupancy(m);

  it('is false off the map on every side', () => {
    expect(isFree(m, grid, { x: -1, y: 0 })).toBe(false);
    expect(isFree(m, grid, { x: 0, y: -1 })).toBe(false);
    expect(isFree(m, grid, { x: 3, y: 0 })).toBe(false);
    expect(isFree(m, grid, { x: 0, y: 2 })).toBe(false);
  });

  it('does not wrap rows: (3,0) is not (0,1)', () => {
    // Row-major index of (3,0) in a 3-wide map would be 3 == (0,1), which is free.
    expect(isFree(m, grid, { x: 3, y: 0 })).toBe(false);
    expect(isFree(m, grid, { x: 0, y: 1 })).toBe(true);
  });

  it('is false on an object, true on a free cell', () => {
    expect(isFree(m, grid, { x: 2, y: 0 })).toBe(false);
    expect(isFree(m, grid, { x: 1, y: 0 })).toBe(true);
  });
});
