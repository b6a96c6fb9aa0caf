import {
  emptyMap,
  filledExcept,
  game,
  idGen,
  mapOf,
  NO_GAMES,
  OWNED,
  place,
  remove,
  wall,
} from '../../test/support/domain-fixtures';
import { prng as mulberry32 } from '../../test/support/prng';
import { applyBuild } from './build';
import { nearestFreeCell, pushTargets } from './free-cell';
import { type Cell, type MapObject, occupancy, type RoomMap } from './map';
import { isFree } from './step';

/** Brute-force reference for nearestFreeCell. */
function bruteNearest(map: RoomMap, c: Cell): Cell | null {
  const grid = occupancy(map);
  let best: Cell | null = null;
  let bestD = Infinity;
  for (let y = 0; y < map.height; y++) {
    for (let x = 0; x < map.width; x++) {
      if (grid[y * map.width + x] !== 0) continue;
      const d = Math.abs(x - c.x) + Math.abs(y - c.y);
      // Row-major scan: the first found at a distance already has the smallest y, then x.
      if (d < bestD) {
        bestD = d;
        best = { x, y };
      }
    }
  }
  return best;
}

// ---- nearestFreeCell ----------------------------------------------------------------------------

describe('nearestFreeCell', () => {
  it('returns the cell itself when it is free', () => {
    expect(nearestFreeCell(mapOf(3, 3), { x: 1, y: 1 })).toEqual({ x: 1, y: 1 });
    expect(nearestFreeCell(mapOf(3, 3, [wall('w', 0, 0)]), { x: 2, y: 2 })).toEqual({ x: 2, y: 2 });
  });

  it('returns null when every cell is occupied', () => {
    expect(nearestFreeCell(filledExcept(3, 3), { x: 1, y: 1 })).toBeNull();
    expect(nearestFreeCell(filledExcept(1, 1), { x: 0, y: 0 })).toBeNull();
    expect(nearestFreeCell(mapOf(2, 2, [game('g', 0, 0)]), { x: 0, y: 0 })).toBeNull();
  });

  it('finds the only free cell, however far', () => {
    expect(nearestFreeCell(filledExcept(5, 4, [{ x: 4, y: 3 }]), { x: 0, y: 0 })).toEqual({ x: 4, y: 3 });
    expect(nearestFreeCell(filledExcept(5, 4, [{ x: 0, y: 0 }]), { x: 4, y: 3 })).toEqual({ x: 0, y: 0 });
    expect(nearestFreeCell(filledExcept(5, 4, [{ x: 4, y: 0 }]), { x: 0, y: 3 })).toEqual({ x: 4, y: 0 });
  });

  it('all four neighbours free: up wins (smaller y)', () => {
    const m = mapOf(3, 3, [wall('w', 1, 1)]);
    expect(nearestFreeCell(m, { x: 1, y: 1 })).toEqual({ x: 1, y: 0 });
  });

  it('up blocked: left wins over right (same y, smaller x) and over down (smaller y)', () => {
    const m = mapOf(3, 3, [wall('c', 1, 1), wall('u', 1, 0)]);
    expect(nearestFreeCell(m, { x: 1, y: 1 })).toEqual({ x: 0, y: 1 });
  });

  it('up and left blocked: right wins over down (smaller y)', () => {
    const m = mapOf(3, 3, [wall('c', 1, 1), wall('u', 1, 0), wall('l', 0, 1)]);
    expect(nearestFreeCell(m, { x: 1, y: 1 })).toEqual({ x: 2, y: 1 });
  });

  it('only down free at distance 1: down beats the distance-2 cells above', () => {
    const m = mapOf(3, 3, [wall('c', 1, 1), wall('u', 1, 0), wall('l', 0, 1), wall('r', 2, 1)]);
    expect(nearestFreeCell(m, { x: 1, y: 1 })).toEqual({ x: 1, y: 2 });
  });

  it('at distance 2, ties go to the smallest y then smallest x', () => {
    // Centre (2,2) of a 5x5 map with the whole distance-≤1 diamond blocked.
    const blocked = [
      { x: 2, y: 2 },
      { x: 2, y: 1 },
      { x: 1, y: 2 },
      { x: 3, y: 2 },
      { x: 2, y: 3 },
    ];
    const base = blocked.map((c, i) => wall(`b${i}`, c.x, c.y));
    expect(nearestFreeCell(mapOf(5, 5, base), { x: 2, y: 2 })).toEqual({ x: 2, y: 0 });
    // Block (2,0): among y=1 candidates (1,1) and (3,1), the smaller x wins.
    const m2 = mapOf(5, 5, [...base, wall('t', 2, 0)]);
    expect(nearestFreeCell(m2, { x: 2, y: 2 })).toEqual({ x: 1, y: 1 });
    // Block (1,1) too: (3,1).
    const m3 = mapOf(5, 5, [...base, wall('t', 2, 0), wall('a', 1, 1)]);
    expect(nearestFreeCell(m3, { x: 2, y: 2 })).toEqual({ x: 3, y: 1 });
    // Block the whole row y=1 ring: (0,2) beats (4,2) and the row below.
    const m4 = mapOf(5, 5, [...base, wall('t', 2, 0), wall('a', 1, 1), wall('b', 3, 1)]);
    expect(nearestFreeCell(m4, { x: 2, y: 2 })).toEqual({ x: 0, y: 2 });
  });

  it('distance beats tie-breaking: a nearer cell below wins over a farther cell above', () => {
    // 1 wide column: centre (0,2) blocked, (0,1),(0,0) blocked, (0,3) free.
    const m = mapOf(1, 5, [wall('a', 0, 0), wall('b', 0, 1), wall('c', 0, 2)]);
    expect(nearestFreeCell(m, { x: 0, y: 2 })).toEqual({ x: 0, y: 3 });
  });

  it('works near edges (candidates off the map are skipped)', () => {
    const m = mapOf(3, 3, [wall('a', 0, 0)]);
    // From (0,0): up/left are off-map; right (1,0) beats down (0,1).
    expect(nearestFreeCell(m, { x: 0, y: 0 })).toEqual({ x: 1, y: 0 });
    const m2 = mapOf(3, 3, [wall('a', 2, 2), wall('b', 2, 1)]);
    // From (2,2): (1,2) at d=1; (2,1) is blocked.
    expect(nearestFreeCell(m2, { x: 2, y: 2 })).toEqual({ x: 1, y: 2 });
  });

  it('from inside a game, pushes to the nearest cell outside it', () => {
    const m = mapOf(4, 4, [game('g', 1, 1)]);
    expect(nearestFreeCell(m, { x: 1, y: 1 })).toEqual({ x: 1, y: 0 });
    expect(nearestFreeCell(m, { x: 2, y: 1 })).toEqual({ x: 2, y: 0 });
    expect(nearestFreeCell(m, { x: 1, y: 2 })).toEqual({ x: 0, y: 2 });
    expect(nearestFreeCell(m, { x: 2, y: 2 })).toEqual({ x: 3, y: 2 });
  });

  it('uses a supplied grid', () => {
    const m = mapOf(3, 1);
    expect(nearestFreeCell(m, { x: 0, y: 0 }, new Uint8Array([1, 1, 0]))).toEqual({ x: 2, y: 0 });
    expect(nearestFreeCell(m, { x: 0, y: 0 }, new Uint8Array([1, 1, 1]))).toBeNull();
  });

  it('agrees with a brute-force reference on random maps', () => {
    const rnd = mulberry32(12345);
    for (let t = 0; t < 300; t++) {
      const w = 1 + Math.floor(rnd() * 7);
      const h = 1 + Math.floor(rnd() * 7);
      const objects: MapObject[] = [];
      const density = rnd();
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) if (rnd() < density) objects.push(wall(`w${x}_${y}`, x, y));
      }
      const m = mapOf(w, h, objects);
      const c = { x: Math.floor(rnd() * w), y: Math.floor(rnd() * h) };
      expect(nearestFreeCell(m, c)).toEqual(bruteNearest(m, c));
    }
  });
});

// ---- pushTargets --------------------------------------------------------------------------------

describe('pushTargets', () => {
  it('is empty when nothing changed', () => {
    const m = mapOf(3, 3, [wall('a', 1, 1)]);
    expect(pushTargets(m, { ...m, version: 1 }).size).toBe(0);
  });

  it('is empty when objects were only removed', () => {
    const prev = mapOf(3, 3, [wall('a', 1, 1), game('g', 0, 0, 7)]);
    const next = applyBuild(prev, [remove('a'), remove('g')], NO_GAMES, idGen());
    expect(pushTargets(prev, next).size).toBe(0);
  });

  it('maps a newly placed wall cell to its nearest free cell, keyed row-major', () => {
    const prev = emptyMap(3, 3);
    const next = applyBuild(prev, [place('wall', 1, 1)], NO_GAMES, idGen());
    const t = pushTargets(prev, next);
    expect([...t.keys()]).toEqual([1 * 3 + 1]);
    expect(t.get(4)).toEqual({ x: 1, y: 0 });
  });

  it("covers every cell of a new game with the next map's nearest free cell", () => {
    const prev = emptyMap(4, 4);
    const next = applyBuild(prev, [place('game', 1, 1, 7)], OWNED, idGen());
    const t = pushTargets(prev, next);
    expect([...t.keys()].sort((a, b) => a - b)).toEqual([5, 6, 9, 10]);
    expect(t.get(5)).toEqual({ x: 1, y: 0 });
    expect(t.get(6)).toEqual({ x: 2, y: 0 });
    expect(t.get(9)).toEqual({ x: 0, y: 2 });
    expect(t.get(10)).toEqual({ x: 3, y: 2 });
  });

  it('excludes cells that were already occupied before', () => {
    const prev = mapOf(4, 4, [wall('a', 0, 0)]);
    const next = applyBuild(prev, [place('wall', 3, 3)], NO_GAMES, idGen());
    const t = pushTargets(prev, next);
    expect([...t.keys()]).toEqual([15]);
  });

  it('excludes a cell whose object was replaced by another in the same cell', () => {
    const prev = mapOf(3, 3, [wall('a', 1, 1)]);
    const next = applyBuild(prev, [remove('a'), place('wall', 1, 1)], NO_GAMES, idGen());
    expect(pushTargets(prev, next).size).toBe(0);
  });

  it('a game replacing a wall: only the 3 newly covered cells are pushed', () => {
    const prev = mapOf(3, 3, [wall('a', 0, 0)]);
    const next = applyBuild(prev, [remove('a'), place('game', 0, 0, 7)], OWNED, idGen());
    const t = pushTargets(prev, next);
    expect([...t.keys()].sort((a, b) => a - b)).toEqual([1, 3, 4]);
    expect(t.get(1)).toEqual({ x: 2, y: 0 });
    expect(t.get(3)).toEqual({ x: 0, y: 2 });
    // (1,1): at distance 1, (1,0) and (0,1) are in the game; (2,1) beats (1,2) by smaller y.
    expect(t.get(4)).toEqual({ x: 2, y: 1 });
  });

  it('targets are free in the new map (not just in the old one)', () => {
    // Placing (1,0) and (1,1) together: the push from (1,1) cannot go to (1,0).
    const prev = emptyMap(3, 2);
    const next = applyBuild(prev, [place('wall', 1, 0), place('wall', 1, 1)], NO_GAMES, idGen());
    const t = pushTargets(prev, next);
    const grid = occupancy(next);
    for (const target of t.values()) expect(isFree(next, grid, target)).toBe(true);
    expect(t.get(1)).toEqual({ x: 0, y: 0 });
    expect(t.get(4)).toEqual({ x: 0, y: 1 });
  });

  it('pushes to the single remaining free cell of an almost-full map', () => {
    const prev = emptyMap(2, 2);
    const next = applyBuild(prev, [place('wall', 0, 0), place('wall', 1, 0), place('wall', 0, 1)], NO_GAMES, idGen());
    const t = pushTargets(prev, next);
    expect(t.size).toBe(3);
    for (const target of t.values()) expect(target).toEqual({ x: 1, y: 1 });
  });

  it('keys use the map width for the row-major index on a non-square map', () => {
    const prev = emptyMap(5, 2);
    const next = applyBuild(prev, [place('wall', 4, 1)], NO_GAMES, idGen());
    const t = pushTargets(prev, next);
    expect([...t.keys()]).toEqual([9]);
    expect(t.get(9)).toEqual({ x: 4, y: 0 });
  });

  it('agrees with nearestFreeCell for each newly occupied cell on random builds', () => {
    const rnd = mulberry32(2024);
    for (let t = 0; t < 100; t++) {
      const w = 2 + Math.floor(rnd() * 6);
      const h = 2 + Math.floor(rnd() * 6);
      let prev = emptyMap(w, h);
      const gen = idGen();
      // Some initial walls.
      for (let k = 0; k < 4; k++) {
        try {
          prev = applyBuild(prev, [place('wall', Math.floor(rnd() * w), Math.floor(rnd() * h))], NO_GAMES, gen);
        } catch {
          /* overlapping or full: skip */
        }
      }
      let next: RoomMap;
      try {
        const x = Math.floor(rnd() * w);
        const y = Math.floor(rnd() * h);
        const op = rnd() < 0.5 ? place('wall', x, y) : place('game', x, y, 7);
        next = applyBuild(prev, [op], OWNED, gen);
      } catch {
        continue;
      }
      const before = occupancy(prev);
      const after = occupancy(next);
      const targets = pushTargets(prev, next);
      const expectedKeys: number[] = [];
      for (let i = 0; i < after.length; i++) if (after[i] === 1 && before[i] === 0) expectedKeys.push(i);
      expect([...targets.keys()].sort((a, b) => a - b)).toEqual(expectedKeys);
      for (const i of expectedKeys) {
        expect(targets.get(i)).toEqual(bruteNearest(next, { x: i % w, y: Math.floor(i / w) }));
      }
    }
  });
});
