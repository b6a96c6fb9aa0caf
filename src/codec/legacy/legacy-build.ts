import type { BuildOp, RoomMap } from '../../protocol/messages';
import { BadRequestError } from '../../protocol/errors';
import type { LegacyMap } from './legacy-frames';

/**
 * A `40` build names the whole desired map; v1 builds are a list of changes against a version.
 * This is the diff between the two: remove what the desired map no longer holds, then place what
 * it holds anew, so the room service applies it as ONE all-or-nothing build with every v1 check
 * (bounds, overlaps, the owner's library). Unchanged objects keep their ids.
 *
 * An object is unchanged when the desired map holds it at the same place with the same kind: games
 * are matched by game id, other objects by their id first and then by kind and place (a client
 * that rebuilt its map from scratch with ids of its own moves nothing). An empty list: no change.
 */
export function legacyBuildOps(current: RoomMap, desired: LegacyMap): BuildOp[] {
  if (desired.side !== current.width || desired.side !== current.height)
    throw new BadRequestError(`map.side: the map is ${current.width}x${current.height}, not ${desired.side}`);

  const kept = new Set<string>();
  const places: BuildOp[] = [];

  for (const [key, g] of Object.entries(desired.games)) {
    const gameId = Number(key);
    const same = current.objects.find(
      (o) => !kept.has(o.id) && o.gameId === gameId && o.kind === 'game' && o.x === g.x && o.y === g.y,
    );
    if (same) kept.add(same.id);
    else places.push({ op: 'place', kind: 'game', x: g.x, y: g.y, gameId });
  }

  const wanted = Object.entries(desired.objects);
  const unmatched: typeof wanted = [];
  for (const [id, o] of wanted) {
    const same = current.objects.find(
      (c) => c.id === id && c.gameId === undefined && c.kind === o.name && c.x === o.x && c.y === o.y,
    );
    if (same) kept.add(same.id);
    else unmatched.push([id, o]);
  }
  for (const [, o] of unmatched) {
    const same = current.objects.find(
      (c) => !kept.has(c.id) && c.gameId === undefined && c.kind === o.name && c.x === o.x && c.y === o.y,
    );
    if (same) kept.add(same.id);
    else places.push({ op: 'place', kind: o.name, x: o.x, y: o.y });
  }

  const removes: BuildOp[] = current.objects
    .filter((o) => !kept.has(o.id))
    .map((o) => ({ op: 'remove', objectId: o.id }));
  return [...removes, ...places];
}
