import type { Cell, Direction, RoomMap } from './map';
import { occupancy } from './map';

/**
 * The step rule, the one rule every move obeys: an avatar steps one cell up, right, down or left,
 * and the step is refused when it would leave the map or enter a cell an object occupies. Other
 * avatars never block a step (any number may share a cell).
 *
 * The in-memory room state calls `canStepOnGrid`; the Redis room state runs MOVE_LUA
 * (state/redis-scripts.ts), a mirror of it kept inside Redis so the check and the write are one
 * atomic step. test/state/move-rule.contract.test.ts holds the three to one table of cases.
 */

/** The grid a step is checked against: the map's size and its occupancy (see `occupancy`). */
export interface Grid {
  width: number;
  height: number;
  cells: Uint8Array;
}

export type StepResult = { ok: true; to: Cell } | { ok: false };

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

export function isFree(map: Pick<RoomMap, 'width' | 'height'>, grid: Uint8Array, c: Cell): boolean {
  return inBounds(map.width, map.height, c) && grid[c.y * map.width + c.x] === 0;
}

/** One step on an occupancy grid already computed (what a room's state keeps cached). */
export function canStepOnGrid(grid: Grid, from: Cell, dir: Direction): StepResult {
  const to = stepTarget(from, dir);
  return isFree(grid, grid.cells, to) ? { ok: true, to } : { ok: false };
}

/** One step on a map. */
export function canStep(map: RoomMap, from: Cell, dir: Direction, grid = occupancy(map)): StepResult {
  return canStepOnGrid({ width: map.width, height: map.height, cells: grid }, from, dir);
}
