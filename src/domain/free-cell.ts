import type { Cell, RoomMap } from './map';
import { occupancy } from './map';

/**
 * Where avatars are put: the spawn cell of a newcomer and the cell an avatar is pushed to when a
 * build covers the cell it stands on.
 */

/**
 * The free cell nearest to `c`: least Manhattan distance, ties broken by smaller y, then smaller x
 * (so the choice is deterministic on every instance). Null when no cell is free.
 */
export function nearestFreeCell(map: RoomMap, c: Cell, grid = occupancy(map)): Cell | null {
  const maxD = map.width + map.height;
  for (let d = 0; d <= maxD; d++) {
    for (let dy = -d; dy <= d; dy++) {
      const y = c.y + dy;
      if (y < 0 || y >= map.height) continue;
      const rest = d - Math.abs(dy);
      const xs = rest === 0 ? [c.x] : [c.x - rest, c.x + rest];
      for (const x of xs) {
        if (x >= 0 && x < map.width && grid[y * map.width + x] === 0) return { x, y };
      }
    }
  }
  return null;
}

/**
 * For every cell that `next` occupies but `prev` left free (the only cells an avatar can stand on
 * and lose), the free cell of `next` that avatar is pushed to. Keys are row-major cell indexes.
 */
export function pushTargets(prev: RoomMap, next: RoomMap): Map<number, Cell> {
  const before = occupancy(prev);
  const after = occupancy(next);
  const targets = new Map<number, Cell>();
  for (let i = 0; i < after.length; i++) {
    if (after[i] === 1 && before[i] === 0) {
      const target = nearestFreeCell(next, { x: i % next.width, y: Math.floor(i / next.width) }, after);
      if (target) targets.set(i, target);
    }
  }
  return targets;
}
