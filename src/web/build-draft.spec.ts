import type { RoomMap } from '../protocol/messages';
import { BuildDraft, footprint, isDraftObject, type PaletteItem, plainReason } from './build-draft';

const WALL: PaletteItem = { kind: 'wall' };
const CHESS: PaletteItem = { kind: 'game', gameId: 1, name: 'Chess' };
const room = (version = 3): RoomMap => ({
  version,
  width: 10,
  height: 8,
  objects: [
    { id: 'w1', kind: 'wall', x: 0, y: 5, w: 1, h: 1 },
    { id: 'g1', kind: 'game', x: 6, y: 6, w: 2, h: 2, gameId: 1 },
  ],
});

describe('BuildDraft', () => {
  it('places at the clicked cell and previews the result on the version it started from', () => {
    const d = new BuildDraft(new Set([1]));
    const map = room();
    expect(d.click(map, { x: 2, y: 2 }, WALL)).toEqual({ done: 'placed' });
    expect(d.click(map, { x: 3, y: 0 }, CHESS)).toEqual({ done: 'placed' });
    expect(d.opList).toEqual([
      { op: 'place', kind: 'wall', x: 2, y: 2 },
      { op: 'place', kind: 'game', x: 3, y: 0, gameId: 1 },
    ]);
    const { map: shown, removed } = d.preview(map);
    expect(shown.objects.filter(isDraftObject)).toMatchObject([
      { kind: 'wall', x: 2, y: 2 },
      { kind: 'game', x: 3, y: 0, w: 2, h: 2 },
    ]);
    expect(removed).toEqual([]);
    expect(d.baseVersion(map)).toBe(3);
  });

  it('removes a map object clicked anywhere on its footprint', () => {
    const d = new BuildDraft(new Set([1]));
    const map = room();
    expect(d.click(map, { x: 7, y: 7 }, WALL)).toEqual({ done: 'removed' });
    expect(d.opList).toEqual([{ op: 'remove', objectId: 'g1' }]);
    expect(d.preview(map).removed.map((o) => o.id)).toEqual(['g1']);
    // The freed cells can take something new in the same build.
    expect(d.click(map, { x: 6, y: 6 }, WALL)).toEqual({ done: 'placed' });
  });

  it('takes back a placement of this draft when it is clicked, keeping the other ops', () => {
    const d = new BuildDraft(new Set([1]));
    const map = room();
    d.click(map, { x: 1, y: 1 }, WALL);
    d.click(map, { x: 3, y: 3 }, CHESS);
    d.click(map, { x: 0, y: 5 }, WALL);
    expect(d.click(map, { x: 1, y: 1 }, CHESS)).toEqual({ done: 'unplaced' });
    expect(d.opList).toEqual([
      { op: 'place', kind: 'game', x: 3, y: 3, gameId: 1 },
      { op: 'remove', objectId: 'w1' },
    ]);
    expect(d.click(map, { x: 4, y: 4 }, WALL)).toEqual({ done: 'unplaced' });
    expect(d.opList).toEqual([{ op: 'remove', objectId: 'w1' }]);
  });

  it('refuses what the server would refuse, in plain words, and keeps the draft savable', () => {
    const d = new BuildDraft(new Set([1]));
    const map = room();
    expect(d.click(map, { x: 9, y: 0 }, CHESS)).toEqual({
      done: 'refused',
      reason: 'it does not fit inside the room there',
    });
    expect(d.click(map, { x: 5, y: 5 }, CHESS)).toEqual({ done: 'refused', reason: 'that spot is taken' });
    expect(d.click(map, { x: 0, y: 0 }, { kind: 'game', gameId: 2, name: 'Go' })).toEqual({
      done: 'refused',
      reason: 'that game is not in your library',
    });
    expect(d.click(map, { x: 0, y: 0 }, undefined)).toEqual({
      done: 'refused',
      reason: 'pick something to place first',
    });
    expect(d.isEmpty).toBe(true);
    expect(d.canPlace(map, { x: 4, y: 4 }, CHESS)).toBe(true);
    expect(d.canPlace(map, { x: 5, y: 5 }, CHESS)).toBe(false);
  });

  it('follows the room while empty, and notices when the room moved on under it', () => {
    const d = new BuildDraft(new Set([1]));
    expect(d.baseVersion(room(3))).toBe(3);
    expect(d.baseVersion(room(4))).toBe(4);
    d.click(room(4), { x: 1, y: 1 }, WALL);
    expect(d.isStale(room(4))).toBe(false);
    expect(d.isStale(room(5))).toBe(true);
    expect(d.baseVersion(room(5))).toBe(4);
    d.undo();
    expect(d.isEmpty).toBe(true);
    expect(d.isStale(room(5))).toBe(false);
    d.click(room(5), { x: 1, y: 1 }, WALL);
    d.discard();
    expect(d.baseVersion(room(6))).toBe(6);
  });

  it('knows the catalogue footprints', () => {
    expect(footprint(WALL)).toEqual({ w: 1, h: 1 });
    expect(footprint(CHESS)).toEqual({ w: 2, h: 2 });
  });

  it('passes through reasons it has no plainer words for', () => {
    expect(plainReason('op 2: unknown kind "tree"')).toBe('unknown kind "tree"');
  });
});
