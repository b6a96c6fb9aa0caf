import { type BuildOp, BuildRejectedError } from '../../src/domain/build';
import type { Cell, MapObject, RoomMap } from '../../src/domain/map';

/** Maps and build ops for the domain's specs and the move-rule contract test. */

export function wall(id: string, x: number, y: number): MapObject {
  return { id, kind: 'wall', x, y, w: 1, h: 1 };
}

export function game(id: string, x: number, y: number, gameId = 1): MapObject {
  return { id, kind: 'game', x, y, w: 2, h: 2, gameId };
}

export function emptyMap(width: number, height: number): RoomMap {
  return { version: 0, width, height, objects: [] };
}

export function mapOf(width: number, height: number, objects: MapObject[] = [], version = 0): RoomMap {
  return { version, width, height, objects };
}

/** A map whose every cell is a wall except those listed. */
export function filledExcept(width: number, height: number, free: Cell[] = []): RoomMap {
  const objects: MapObject[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!free.some((c) => c.x === x && c.y === y)) objects.push(wall(`w${x}_${y}`, x, y));
    }
  }
  return mapOf(width, height, objects);
}

export function idGen(prefix = 'id'): () => string {
  let n = 0;
  return () => `${prefix}${++n}`;
}

export const NO_GAMES: ReadonlySet<number> = new Set();
export const OWNED: ReadonlySet<number> = new Set([7, 42]);

export function place(kind: string, x: number, y: number, gameId?: number): BuildOp {
  return gameId === undefined ? { op: 'place', kind, x, y } : { op: 'place', kind, x, y, gameId };
}

export function remove(objectId: string): BuildOp {
  return { op: 'remove', objectId };
}

/** Runs `fn`, expects a BuildRejectedError, and returns it. */
export function buildError(fn: () => unknown): BuildRejectedError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BuildRejectedError);
    return e as BuildRejectedError;
  }
  throw new Error('expected a BuildRejectedError, nothing was thrown');
}

export function expectOpError(fn: () => unknown, index: number, fragment?: RegExp | string): BuildRejectedError {
  const err = buildError(fn);
  expect(err.message).toBe(`op ${index}: ${err.reason}`);
  expect(err.opIndex).toBe(index);
  if (fragment !== undefined) expect(err.message).toMatch(fragment);
  return err;
}
