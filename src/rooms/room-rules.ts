import { randomBytes } from 'node:crypto';
import { applyBuild, BuildRejectedError } from '../domain/build';
import { nearestFreeCell } from '../domain/free-cell';
import { type Cell, SPAWN } from '../domain/map';
import { InvalidBuildError } from '../protocol/errors';
import type { BuildMessage, RoomMap } from '../protocol/messages';

/** The domain rules as RoomsService applies them: where newcomers appear, and a build's verdict. */

/** Enters retried after a build changed the map under them, before answering busy. */
export const MAX_ENTER_ATTEMPTS = 4;

export interface SpawnCell {
  version: number;
  cell: Cell;
}

/** Where an avatar enters: the free cell nearest to `near` (the spawn cell unless said), else to the spawn cell. */
export function spawnOn(map: RoomMap, near: Cell = SPAWN): SpawnCell {
  return { version: map.version, cell: nearestFreeCell(map, near) ?? nearestFreeCell(map, SPAWN) ?? SPAWN };
}

function newObjectId(): string {
  return 'o' + randomBytes(6).toString('hex');
}

/** The build rule's verdict, answered on the wire as INVALID_BUILD naming the op to blame. */
export function checkedBuild(prev: RoomMap, msg: BuildMessage, owned: ReadonlySet<number>): RoomMap {
  try {
    return applyBuild(prev, msg.ops, owned, newObjectId);
  } catch (err) {
    throw err instanceof BuildRejectedError ? new InvalidBuildError(err.reason, err.opIndex) : err;
  }
}
