import { applyBuild } from '../../domain/build';
import { BadRequestError } from '../../protocol/errors';
import type { RoomMap } from '../../protocol/messages';
import { legacyBuildOps } from './legacy-build';
import type { LegacyMap } from './legacy-frames';
import { legacyMapOf } from './legacy-view';

const current: RoomMap = {
  version: 2,
  width: 20,
  height: 20,
  objects: [
    { id: 'o1', kind: 'wall', x: 3, y: 0, w: 1, h: 1 },
    { id: 'o2', kind: 'wall', x: 4, y: 0, w: 1, h: 1 },
    { id: 'o3', kind: 'game', x: 5, y: 5, w: 2, h: 2, gameId: 7 },
  ],
};
const desired = (games: LegacyMap['games'], objects: LegacyMap['objects']): LegacyMap => ({
  side: 20,
  games,
  objects,
});
let n = 0;
const newId = () => `n${++n}`;

describe('legacy build: a desired map as one v1 build', () => {
  it('is empty when the desired map is the current one (as the SYNC showed it)', () => {
    expect(legacyBuildOps(current, legacyMapOf(current, new Map()))).toEqual([]);
  });

  it('removes what is gone and places what is new, removes first, keeping the rest', () => {
    const ops = legacyBuildOps(
      current,
      desired({ '7': { x: 10, y: 10 } }, { o1: { name: 'wall', x: 3, y: 0 }, mine: { name: 'wall', x: 0, y: 5 } }),
    );
    expect(ops).toEqual([
      { op: 'remove', objectId: 'o2' },
      { op: 'remove', objectId: 'o3' },
      { op: 'place', kind: 'game', x: 10, y: 10, gameId: 7 },
      { op: 'place', kind: 'wall', x: 0, y: 5 },
    ]);
  });

  it('matches objects by kind and place when the client made up its own ids', () => {
    const ops = legacyBuildOps(
      current,
      desired({ '7': { x: 5, y: 5 } }, { a: { name: 'wall', x: 3, y: 0 }, b: { name: 'wall', x: 4, y: 0 } }),
    );
    expect(ops).toEqual([]);
  });

  it('a wall moved onto the cell of one that goes keeps that one (same kind, same place)', () => {
    const ops = legacyBuildOps(current, desired({ '7': { x: 5, y: 5 } }, { o1: { name: 'wall', x: 4, y: 0 } }));
    expect(ops).toEqual([{ op: 'remove', objectId: 'o1' }]);
  });

  it('moving a game by one cell, onto part of its old place, is one valid build', () => {
    const ops = legacyBuildOps(current, desired({ '7': { x: 6, y: 5 } }, {}));
    const next = applyBuild(current, ops, new Set([7]), newId);
    expect(next.objects.map((o) => [o.kind, o.x, o.y])).toEqual([['game', 6, 5]]);
  });

  it('leaves the rules to the build: an overlap or an unknown kind is refused by applyBuild', () => {
    const overlap = legacyBuildOps(current, desired({ '7': { x: 5, y: 5 }, '8': { x: 6, y: 6 } }, {}));
    expect(() => applyBuild(current, overlap, new Set([7, 8]), newId)).toThrow(/overlap/);
    const unknown = legacyBuildOps(current, desired({}, { t: { name: 'tree', x: 1, y: 1 } }));
    expect(() => applyBuild(current, unknown, new Set(), newId)).toThrow(/unknown kind/);
  });

  it('refuses a map of another size', () => {
    expect(() => legacyBuildOps(current, { side: 10, games: {}, objects: {} })).toThrow(BadRequestError);
  });
});
