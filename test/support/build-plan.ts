import type { BuildPlan } from '../../src/maps/map-store';
import type { RoomMap } from '../../src/protocol/messages';

/** A build of `prev` into `next` for MapStore.saveBuild, its cache half `writeCache` (none by default). */
export function buildPlan(prev: RoomMap, next: RoomMap, writeCache: () => Promise<void> = async () => {}): BuildPlan {
  return async () => ({ prev, next, writeCache });
}
