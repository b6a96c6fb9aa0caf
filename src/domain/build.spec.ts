import {
  buildError,
  emptyMap,
  game,
  idGen,
  mapOf,
  NO_GAMES,
  OWNED,
  place,
  remove,
  wall,
} from '../../test/support/domain-fixtures';
import { applyBuild, type BuildOp } from './build';
import { occupancy, occupancyString } from './map';

// ---- applyBuild ---------------------------------------------------------------------------------

describe('applyBuild', () => {
  describe('success', () => {
    it('places a wall with an id from the generator, at the given cell, size 1x1', () => {
      const next = applyBuild(emptyMap(4, 4), [place('wall', 2, 3)], NO_GAMES, () => 'W1');
      expect(next.objects).toEqual([{ id: 'W1', kind: 'wall', x: 2, y: 3, w: 1, h: 1 }]);
      expect('gameId' in next.objects[0]).toBe(false);
    });

    it('places an owned game with its gameId, size 2x2', () => {
      const next = applyBuild(emptyMap(4, 4), [place('game', 1, 1, 42)], OWNED, () => 'G1');
      expect(next.objects).toEqual([{ id: 'G1', kind: 'game', x: 1, y: 1, w: 2, h: 2, gameId: 42 }]);
    });

    it('keeps width and height, bumps the version by exactly one', () => {
      const start = mapOf(5, 3, [], 17);
      const next = applyBuild(start, [place('wall', 0, 0)], NO_GAMES, idGen());
      expect(next.version).toBe(18);
      expect(next.width).toBe(5);
      expect(next.height).toBe(3);
    });

    it('bumps the version even for an empty op list (nothing else changes)', () => {
      const start = mapOf(2, 2, [wall('a', 0, 0)], 3);
      const next = applyBuild(start, [], NO_GAMES, idGen());
      expect(next).toEqual({ ...start, version: 4 });
    });

    it('assigns ids from the generator in op order, one call per placed object', () => {
      const gen = jest.fn(idGen('n'));
      const next = applyBuild(
        emptyMap(5, 5),
        [place('wall', 0, 0), place('game', 1, 1, 7), place('wall', 4, 4)],
        OWNED,
        gen,
      );
      expect(next.objects.map((o) => o.id)).toEqual(['n1', 'n2', 'n3']);
      expect(gen).toHaveBeenCalledTimes(3);
    });

    it('does not call the id generator for removes', () => {
      const gen = jest.fn(idGen());
      applyBuild(mapOf(3, 3, [wall('a', 0, 0)]), [remove('a')], NO_GAMES, gen);
      expect(gen).not.toHaveBeenCalled();
    });

    it('keeps existing objects (as copies) and appends new ones after them', () => {
      const existing = [wall('a', 0, 0), game('g', 2, 2, 7)];
      const next = applyBuild(mapOf(4, 4, existing), [place('wall', 3, 0)], OWNED, () => 'new');
      expect(next.objects).toEqual([...existing, wall('new', 3, 0)]);
      expect(next.objects[0]).not.toBe(existing[0]);
    });

    it('removes an object by id', () => {
      const start = mapOf(3, 3, [wall('a', 0, 0), wall('b', 1, 0), wall('c', 2, 0)]);
      const next = applyBuild(start, [remove('b')], NO_GAMES, idGen());
      expect(next.objects.map((o) => o.id)).toEqual(['a', 'c']);
    });

    it('removes a game, freeing its whole footprint', () => {
      const start = mapOf(3, 3, [game('g', 1, 1, 7)]);
      const next = applyBuild(start, [remove('g')], NO_GAMES, idGen());
      expect(occupancyString(next)).toBe('000000000');
    });

    it('remove then place in the same cell in one batch is fine', () => {
      const start = mapOf(3, 3, [wall('a', 1, 1)]);
      const next = applyBuild(start, [remove('a'), place('wall', 1, 1)], NO_GAMES, () => 'b');
      expect(next.objects).toEqual([wall('b', 1, 1)]);
    });

    it('remove a wall then place a game over the freed cell', () => {
      const start = mapOf(3, 3, [wall('a', 1, 1)]);
      const next = applyBuild(start, [remove('a'), place('game', 0, 0, 7)], OWNED, () => 'g');
      expect(next.objects).toEqual([game('g', 0, 0, 7)]);
    });

    it('place then remove an object placed earlier in the same batch', () => {
      const next = applyBuild(emptyMap(3, 3), [place('wall', 1, 1), remove('x1')], NO_GAMES, idGen('x'));
      expect(next.objects).toEqual([]);
    });

    it('a game may touch a wall edge-to-edge and corner-to-corner', () => {
      const start = mapOf(4, 4, [wall('r', 3, 1), wall('c', 0, 0)]);
      const next = applyBuild(start, [place('game', 1, 1, 7)], OWNED, () => 'g');
      expect(next.objects).toHaveLength(3);
    });

    it('two games side by side (touching) are fine', () => {
      const next = applyBuild(emptyMap(4, 3), [place('game', 0, 0, 7), place('game', 2, 0, 42)], OWNED, idGen());
      expect(occupancyString(next)).toBe('1111' + '1111' + '0000');
    });

    it('a game in the last two rows/columns fits exactly', () => {
      const next = applyBuild(emptyMap(4, 3), [place('game', 2, 1, 7)], OWNED, () => 'g');
      expect(next.objects).toEqual([game('g', 2, 1, 7)]);
    });

    it('a wall in the last cell fits', () => {
      const next = applyBuild(emptyMap(4, 3), [place('wall', 3, 2)], NO_GAMES, () => 'w');
      expect(next.objects).toEqual([wall('w', 3, 2)]);
    });

    it('the same game id may be placed twice (no uniqueness rule on gameId)', () => {
      const next = applyBuild(emptyMap(5, 2), [place('game', 0, 0, 7), place('game', 2, 0, 7)], OWNED, idGen());
      expect(next.objects.map((o) => o.gameId)).toEqual([7, 7]);
    });

    it('leaving exactly one free cell is allowed, wherever it is', () => {
      const ops: BuildOp[] = [];
      for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) if (!(x === 2 && y === 2)) ops.push(place('wall', x, y));
      const next = applyBuild(emptyMap(3, 3), ops, NO_GAMES, idGen());
      expect(occupancyString(next)).toBe('111111110');
      // Spawn cell itself occupied is fine as long as some cell is free.
      expect(occupancy(next)[0]).toBe(1);
    });
  });

  describe('does not mutate its inputs', () => {
    it('leaves the input map, its objects array and objects untouched on success', () => {
      const start = mapOf(4, 4, [wall('a', 0, 0), game('g', 2, 2, 7)], 5);
      const snapshot = JSON.parse(JSON.stringify(start));
      const objectsRef = start.objects;
      const next = applyBuild(start, [remove('a'), place('wall', 1, 1), place('wall', 0, 0)], OWNED, idGen());
      expect(start).toEqual(snapshot);
      expect(start.objects).toBe(objectsRef);
      expect(next).not.toBe(start);
      expect(next.objects).not.toBe(start.objects);
      for (const o of next.objects) expect(start.objects).not.toContain(o);
    });

    it('mutating the result does not affect the input', () => {
      const start = mapOf(3, 3, [wall('a', 0, 0)]);
      const next = applyBuild(start, [], NO_GAMES, idGen());
      next.objects[0].x = 2;
      next.objects.push(wall('z', 1, 1));
      expect(start.objects).toEqual([wall('a', 0, 0)]);
    });

    it('leaves the input map untouched on failure (all or nothing)', () => {
      const start = mapOf(3, 3, [wall('a', 0, 0)], 2);
      const snapshot = JSON.parse(JSON.stringify(start));
      buildError(() => applyBuild(start, [remove('a'), place('wall', 1, 1), place('wall', 1, 1)], NO_GAMES, idGen()));
      expect(start).toEqual(snapshot);
    });

    it('does not mutate the ops or the owned-games set', () => {
      const ops: BuildOp[] = [place('game', 0, 0, 7), place('wall', 2, 2)];
      const opsSnapshot = JSON.parse(JSON.stringify(ops));
      const owned = new Set([7]);
      applyBuild(emptyMap(3, 3), ops, owned, idGen());
      expect(ops).toEqual(opsSnapshot);
      expect([...owned]).toEqual([7]);
    });
  });
});
