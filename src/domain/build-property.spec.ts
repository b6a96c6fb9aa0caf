import { emptyMap, idGen, OWNED, place, remove } from '../../test/support/domain-fixtures';
import { prng as mulberry32 } from '../../test/support/prng';
import { applyBuild, type BuildOp, BuildRejectedError } from './build';
import { nearestFreeCell, pushTargets } from './free-cell';
import { CATALOGUE, occupancy, overlaps, type RoomMap, SPAWN } from './map';
import { isFree } from './step';

function assertValidMap(map: RoomMap): void {
  for (const o of map.objects) {
    const k = CATALOGUE[o.kind];
    expect(Object.prototype.hasOwnProperty.call(CATALOGUE, o.kind)).toBe(true);
    expect(o.w).toBe(k.w);
    expect(o.h).toBe(k.h);
    expect(Number.isInteger(o.x) && Number.isInteger(o.y)).toBe(true);
    expect(o.x).toBeGreaterThanOrEqual(0);
    expect(o.y).toBeGreaterThanOrEqual(0);
    expect(o.x + o.w).toBeLessThanOrEqual(map.width);
    expect(o.y + o.h).toBeLessThanOrEqual(map.height);
  }
  for (let i = 0; i < map.objects.length; i++) {
    for (let j = i + 1; j < map.objects.length; j++) {
      expect(overlaps(map.objects[i], map.objects[j])).toBe(false);
    }
  }
  const ids = map.objects.map((o) => o.id);
  expect(new Set(ids).size).toBe(ids.length);
  // Cell-count cross-check: occupied cells == sum of areas iff no overlap.
  const occupied = occupancy(map).reduce((s, v) => s + v, 0);
  expect(occupied).toBe(map.objects.reduce((s, o) => s + o.w * o.h, 0));
  expect(occupied).toBeLessThan(map.width * map.height);
}

// ---- property-style -----------------------------------------------------------------------------

describe('property: random builds', () => {
  function randomOp(rnd: () => number, map: RoomMap): BuildOp {
    const r = rnd();
    if (r < 0.25 && map.objects.length > 0) {
      return remove(map.objects[Math.floor(rnd() * map.objects.length)].id);
    }
    if (r < 0.3) return remove(`ghost${Math.floor(rnd() * 3)}`);
    // Coordinates sometimes past the edge to exercise the bounds check.
    const x = Math.floor(rnd() * (map.width + 2));
    const y = Math.floor(rnd() * (map.height + 2));
    const k = rnd();
    if (k < 0.5) return place('wall', x, y);
    if (k < 0.9) return place('game', x, y, rnd() < 0.85 ? 7 : 8);
    if (k < 0.95) return place('game', x, y);
    return place('wall', x, y, 7);
  }

  it.each([1, 2, 3, 42, 1337, 0xdeadbeef])(
    'seed %i: accepted maps are always valid; rejected batches change nothing',
    (seed) => {
      const rnd = mulberry32(seed);
      for (let trial = 0; trial < 40; trial++) {
        const w = 1 + Math.floor(rnd() * 8);
        const h = 1 + Math.floor(rnd() * 8);
        let map = emptyMap(w, h);
        const gen = idGen(`s${seed}t${trial}_`);
        for (let round = 0; round < 25; round++) {
          const n = 1 + Math.floor(rnd() * 5);
          const ops: BuildOp[] = [];
          // Generate against the current map so removes sometimes hit real ids.
          for (let i = 0; i < n; i++) ops.push(randomOp(rnd, map));
          const before = JSON.stringify(map);
          let next: RoomMap | undefined;
          try {
            next = applyBuild(map, ops, OWNED, gen);
          } catch (e) {
            expect(e).toBeInstanceOf(BuildRejectedError);
          }
          expect(JSON.stringify(map)).toBe(before);
          if (next) {
            expect(next.version).toBe(map.version + 1);
            expect(next.width).toBe(w);
            expect(next.height).toBe(h);
            assertValidMap(next);
            expect(nearestFreeCell(next, SPAWN)).not.toBeNull();
            // Push targets exactly for newly occupied cells, and always onto free cells of `next`.
            const was = occupancy(map);
            const now = occupancy(next);
            const targets = pushTargets(map, next);
            for (let i = 0; i < now.length; i++) expect(targets.has(i)).toBe(now[i] === 1 && was[i] === 0);
            for (const target of targets.values()) expect(isFree(next, now, target)).toBe(true);
            map = next;
          }
        }
      }
    },
  );

  it('a batch is accepted iff applying its ops one by one would be (all or nothing equivalence)', () => {
    const rnd = mulberry32(777);
    let accepted = 0;
    let rejected = 0;
    for (let trial = 0; trial < 500; trial++) {
      const w = 2 + Math.floor(rnd() * 5);
      const h = 2 + Math.floor(rnd() * 5);
      let start = emptyMap(w, h);
      const pre = idGen('pre');
      for (let k = 0; k < 3; k++) {
        try {
          start = applyBuild(start, [randomOp(rnd, start)], OWNED, pre);
        } catch {
          /* keep the previous map */
        }
      }
      const ops: BuildOp[] = [];
      for (let i = 0; i < 1 + Math.floor(rnd() * 6); i++) ops.push(randomOp(rnd, start));
      // Batch.
      let batch: RoomMap | null = null;
      let batchErr: BuildRejectedError | null = null;
      try {
        batch = applyBuild(start, ops, OWNED, idGen('b'));
      } catch (e) {
        batchErr = e as BuildRejectedError;
      }
      // Sequential, one op per call, with the same id sequence. A step refused only by the
      // free-cell rule (no op index) makes the comparison inconclusive, so that trial is skipped.
      const gen = idGen('b');
      let seq: RoomMap = start;
      let firstBad = -1;
      for (let i = 0; i < ops.length; i++) {
        try {
          seq = applyBuild(seq, [ops[i]], OWNED, gen);
        } catch (e) {
          const err = e as BuildRejectedError;
          if (err.opIndex === 0) {
            firstBad = i;
            break;
          }
          firstBad = -2;
          break;
        }
      }
      if (firstBad >= 0) {
        expect(batch).toBeNull();
        expect(batchErr!.opIndex).toBe(firstBad);
        rejected++;
      } else if (firstBad === -1) {
        expect(batchErr).toBeNull();
        expect(batch!.objects).toEqual(seq.objects);
        accepted++;
      }
    }
    // The comparison must actually have been exercised both ways.
    expect(accepted).toBeGreaterThanOrEqual(10);
    expect(rejected).toBeGreaterThanOrEqual(10);
  });
});
