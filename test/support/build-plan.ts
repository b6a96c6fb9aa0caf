import type { BuildPlan } from '../../src/maps/map-store';
import type { Mode } from '../../src/config/config';
import type { RoomMap } from '../../src/protocol/messages';

/** A build of `prev` into `next` for MapStore.saveBuild, its cache half `writeCache` (none by default). */
export function buildPlan(prev: RoomMap, next: RoomMap, writeCache: () => Promise<void> = async () => {}): BuildPlan {
  return async () => ({ prev, next, writeCache });
}

/**
 * A trigger that makes the database refuse every map object placed in column `x`, as a failing row
 * write would; `refuse_column_<x>` to drop it. SQLite for embedded mode, MySQL for services.
 */
export function refuseObjectsInColumnSql(mode: Mode, x: number): string {
  return mode === 'embedded'
    ? `CREATE TRIGGER refuse_column_${x} BEFORE INSERT ON map_objects WHEN NEW.x = ${x} ` +
        `BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`
    : `CREATE TRIGGER refuse_column_${x} BEFORE INSERT ON map_objects FOR EACH ROW ` +
        `BEGIN IF NEW.x = ${x} THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'; END IF; END`;
}
