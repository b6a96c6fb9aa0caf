import { nearestFreeCell } from './free-cell';
import { CATALOGUE, type MapObject, overlaps, type RoomMap, SPAWN } from './map';

/** A build op as the rule reads it; the protocol's validated `BuildOp` has this shape. */
export type BuildOp =
  { op: 'place'; kind: string; x: number; y: number; gameId?: number } | { op: 'remove'; objectId: string };

/**
 * A build the rules refuse, naming the first bad op (`opIndex`) when one op is to blame. The
 * server answers it as an INVALID_BUILD error frame; the web client shows its gist.
 */
export class BuildRejectedError extends Error {
  constructor(
    readonly reason: string,
    readonly opIndex?: number,
  ) {
    super(opIndex === undefined ? reason : `op ${opIndex}: ${reason}`);
    this.name = 'BuildRejectedError';
  }
}

/**
 * Applies a list of build ops in order, all or nothing: returns the next map (version + 1) or
 * throws BuildRejectedError naming the first bad op. `ownedGames` is the owner's game library;
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
      if (at < 0) throw new BuildRejectedError(`no object ${op.objectId} to remove`, i);
      objects.splice(at, 1);
      return;
    }
    // hasOwn: names every object inherits (toString, __proto__…) are not kinds.
    const kind = Object.hasOwn(CATALOGUE, op.kind) ? CATALOGUE[op.kind] : undefined;
    if (!kind)
      throw new BuildRejectedError(`unknown kind "${op.kind}" (known: ${Object.keys(CATALOGUE).join(', ')})`, i);
    if (kind.needsGame && op.gameId === undefined) throw new BuildRejectedError(`a ${op.kind} needs a gameId`, i);
    if (!kind.needsGame && op.gameId !== undefined) throw new BuildRejectedError(`a ${op.kind} takes no gameId`, i);
    if (op.gameId !== undefined && !ownedGames.has(op.gameId)) {
      throw new BuildRejectedError(`game ${op.gameId} is not in the owner's library`, i);
    }
    const placed: MapObject = { id: newId(), kind: op.kind, x: op.x, y: op.y, w: kind.w, h: kind.h };
    if (op.gameId !== undefined) placed.gameId = op.gameId;
    if (placed.x < 0 || placed.y < 0 || placed.x + placed.w > map.width || placed.y + placed.h > map.height) {
      throw new BuildRejectedError(
        `a ${op.kind} at (${op.x},${op.y}) would leave the ${map.width}x${map.height} map`,
        i,
      );
    }
    const hit = objects.find((o) => overlaps(o, placed));
    if (hit) throw new BuildRejectedError(`a ${op.kind} at (${op.x},${op.y}) would overlap object ${hit.id}`, i);
    objects.push(placed);
  });
  const next: RoomMap = { version: map.version + 1, width: map.width, height: map.height, objects };
  if (nearestFreeCell(next, SPAWN) === null) throw new BuildRejectedError('the map must keep at least one free cell');
  return next;
}
