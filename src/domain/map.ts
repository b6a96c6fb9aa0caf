/**
 * The pure domain of a room: its map, the step rule, build validation and where avatars are put.
 * Nothing in src/domain does I/O or reads a clock, and nothing here imports the rest of the
 * project (the protocol re-exports these shapes, not the other way round), so the server, the web
 * client, the bench peers and the tests all run the same rules.
 *
 * Coordinates: x to the right, y down, (0, 0) top-left. Objects occupy [x, x+w) × [y, y+h).
 */

export interface Cell {
  x: number;
  y: number;
}

export const DIRECTIONS = ['up', 'right', 'down', 'left'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export interface MapObject {
  id: string;
  kind: string;
  x: number;
  y: number;
  w: number;
  h: number;
  gameId?: number;
}

export interface RoomMap {
  version: number;
  width: number;
  height: number;
  objects: MapObject[];
}

/** Footprints of the object kinds a map may hold. */
export const CATALOGUE: Readonly<Record<string, { w: number; h: number; needsGame: boolean }>> = {
  wall: { w: 1, h: 1, needsGame: false },
  game: { w: 2, h: 2, needsGame: true },
};

export const SPAWN: Cell = { x: 0, y: 0 };

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

export function overlaps(
  a: Pick<MapObject, 'x' | 'y' | 'w' | 'h'>,
  b: Pick<MapObject, 'x' | 'y' | 'w' | 'h'>,
): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}
