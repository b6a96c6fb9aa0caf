import type { BuildOp, Direction, MapObject, RoomMap } from '../../protocol/messages';
import { InvalidBuildError } from '../../protocol/errors';

/**
 * Pure rules of a room's grid: no I/O, no clock. Everything here takes data and returns data.
 * Coordinates: x to the right, y down, (0, 0) top-left. Objects occupy [x, x+w) × [y, y+h).
 */

export interface Cell { x: number; y: number }

/** Footprints of the object kinds a map may hold. */
export const CATALOGUE: Readonly<Record<string, { w: number; h: number; needsGame: boolean }>> = {
  wall: { w: 1, h: 1, needsGame: false },
  game: { w: 2, h: 2, needsGame: true },
};

export const SPAWN: Cell = { x: 0, y: 0 };

const DELTAS: Record<Direction, Cell> = {
  up: { x: 0, y: -1 },
  right: { x: 1, y: 0 },
  down: { x: 0, y: 1 },
  left: { x: -1, y: 0 },
};

export function stepTarget(from: Cell, dir: Direction): Cell {
  const d = DELTAS[dir];
  return { x: from.x + d.x, y: from.y + d.y };
}

export function inBounds(width: number, height: number, c: Cell): boolean {
  return c.x >= 0 && c.y >= 0 && c.x < width && c.y < height;
}

/** Occupancy of every cell, row-major: 1 where an object stands. */
export function occupancy(map: Pick<RoomMap, 'width' | 'height' | 'objects'>): Uint8Array {
  const grid = new Uint8Array(map.width * map.height);
  for (const o of map.objects) {
    for (let y = o.y; y < o.y + o.h; y++) {
      for (let x = o.x; x < o.x + o.w; x++) grid[y * map.width + x] = 1;
    }
  }
  return grid;
}

/** The occupancy as a string of '0'/'1', the form the Redis move script reads cell by cell. */
export function occupancyString(map: Pick<RoomMap, 'width' | 'height' | 'objects'>): string {
  return Array.from(occupancy(map), (v) => (v ? '1' : '0')).join('');
}

export function isFree(map: RoomMap, grid: Uint8Array, c: Cell): boolean {
  return inBounds(map.width, map.height, c) && grid[c.y * map.width + c.x] === 0;
}

export type StepResult = { ok: true; to: Cell } | { ok: false };

/** One step: refused when it would leave the map or enter an object. */
export function canStep(map: RoomMap, from: Cell, dir: Direction, grid = occupancy(map)): StepResult {
  const to = stepTarget(from, dir);
  return isFree(map, grid, to) ? { ok: true, to } : { ok: false };
}

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

export function overlaps(a: Pick<MapObject, 'x' | 'y' | 'w' | 'h'>, b: Pick<MapObject, 'x' | 'y' | 'w' | 'h'>): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/**
 * Applies a list of build ops in order, all or nothing: returns the next map (version + 1) or
 * throws InvalidBuildError naming the first bad op. `ownedGames` is the owner's game library;
 * `newId` mints ids for placed objects.
 */
export function applyBuild(
  map: RoomMap,
  ops: readonly BuildOp[],
  ownedGames: ReadonlySet<number>,
  newId: () => string,
): RoomMap {
  const objects = map.objects.map((o) => ({ ...o }));
  ops.forEach((op, i) => {
    if (op.op === 'remove') {
      const at = objects.findIndex((o) => o.id === op.objectId);
      if (at < 0) throw new InvalidBuildError(`no object ${op.objectId} to remove`, i);
      objects.splice(at, 1);
      return;
    }
    // hasOwn: names every object inherits (toString, __proto__…) are not kinds.
    const kind = Object.hasOwn(CATALOGUE, op.kind) ? CATALOGUE[op.kind] : undefined;
    if (!kind) throw new InvalidBuildError(`unknown kind "${op.kind}" (known: ${Object.keys(CATALOGUE).join(', ')})`, i);
    if (kind.needsGame && op.gameId === undefined) throw new InvalidBuildError(`a ${op.kind} needs a gameId`, i);
    if (!kind.needsGame && op.gameId !== undefined) throw new InvalidBuildError(`a ${op.kind} takes no gameId`, i);
    if (op.gameId !== undefined && !ownedGames.has(op.gameId)) {
      throw new InvalidBuildError(`game ${op.gameId} is not in the owner's library`, i);
    }
    const placed: MapObject = { id: newId(), kind: op.kind, x: op.x, y: op.y, w: kind.w, h: kind.h };
    if (op.gameId !== undefined) placed.gameId = op.gameId;
    if (placed.x < 0 || placed.y < 0 || placed.x + placed.w > map.width || placed.y + placed.h > map.height) {
      throw new InvalidBuildError(`a ${op.kind} at (${op.x},${op.y}) would leave the ${map.width}x${map.height} map`, i);
    }
    const hit = objects.find((o) => overlaps(o, placed));
    if (hit) throw new InvalidBuildError(`a ${op.kind} at (${op.x},${op.y}) would overlap object ${hit.id}`, i);
    objects.push(placed);
  });
  const next: RoomMap = { version: map.version + 1, width: map.width, height: map.height, objects };
  if (nearestFreeCell(next, SPAWN) === null) throw new InvalidBuildError('the map must keep at least one free cell');
  return next;
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

export function emptyMap(width: number, height: number): RoomMap {
  return { version: 0, width, height, objects: [] };
}
