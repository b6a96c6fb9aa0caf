import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import Redis from 'ioredis';
import { applyBuild, type BuildOp } from '../../src/domain/build';
import { nearestFreeCell, pushTargets } from '../../src/domain/free-cell';
import { CATALOGUE, type Cell, DIRECTIONS, type Direction, type MapObject, type RoomMap } from '../../src/domain/map';
import { canStep } from '../../src/domain/step';
import { MemoryRoomState } from '../../src/state/memory-room-state';
import { RedisRoomState } from '../../src/state/redis/redis-room-state';
import type { Member } from '../../src/protocol/messages';
import type { MoveResult, RoomStateStore } from '../../src/state/room-state.port';
import { emptyMap, mapOf } from '../support/domain-fixtures';
import { prng } from '../support/prng';
import { deleteKeys, SERVICES } from '../support/server';

/**
 * One step rule, three places it runs: the pure domain rule (domain/step.ts), the in-memory room
 * state that calls it, and the Redis room state whose MOVE_LUA script mirrors it. The same table
 * of moves goes through all three and must get the same answers; a seeded random walk on random
 * maps then compares the three step by step.
 *
 * Expectations are written from the rule's wording, not from the code: a step is refused exactly
 * when its target is outside the map or inside an object's footprint; other avatars never block.
 */

interface MoveCase {
  name: string;
  map: RoomMap;
  from: Cell;
  dir: Direction;
  /** Other avatars' cells (any number, repeats allowed), which must never matter. */
  others?: Cell[];
  /** Where the avatar ends up, or null when the step is refused. */
  to: Cell | null;
}

const inside = (map: RoomMap, c: Cell) => c.x >= 0 && c.y >= 0 && c.x < map.width && c.y < map.height;
const covers = (o: MapObject, c: Cell) => c.x >= o.x && c.x < o.x + o.w && c.y >= o.y && c.y < o.y + o.h;
const DELTA: Record<Direction, Cell> = {
  up: { x: 0, y: -1 },
  right: { x: 1, y: 0 },
  down: { x: 0, y: 1 },
  left: { x: -1, y: 0 },
};
/** The rule as worded above, to derive the generated rows' expectations. */
const expected = (map: RoomMap, from: Cell, dir: Direction): Cell | null => {
  const t = { x: from.x + DELTA[dir].x, y: from.y + DELTA[dir].y };
  return inside(map, t) && !map.objects.some((o) => covers(o, t)) ? t : null;
};
const at = (c: Cell) => `(${c.x},${c.y})`;

/** Every cell on the rim of the map, every direction: each edge and corner of several shapes. */
function boundsCases(): MoveCase[] {
  const cases: MoveCase[] = [];
  for (const [w, h] of [
    [1, 1],
    [1, 3],
    [3, 1],
    [4, 3],
  ]) {
    const map = emptyMap(w, h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (x > 0 && y > 0 && x < w - 1 && y < h - 1) continue;
        for (const dir of DIRECTIONS) {
          cases.push({
            name: `${w}x${h} map, ${dir} from ${at({ x, y })}`,
            map,
            from: { x, y },
            dir,
            to: expected(map, { x, y }, dir),
          });
        }
      }
    }
  }
  return cases;
}

/** One object of every kind the catalogue knows, approached from every cell around it. */
function objectCases(): MoveCase[] {
  const cases: MoveCase[] = [];
  for (const [kind, size] of Object.entries(CATALOGUE)) {
    const object: MapObject = {
      id: 'o1',
      kind,
      x: 2,
      y: 2,
      w: size.w,
      h: size.h,
      ...(size.needsGame ? { gameId: 1 } : {}),
    };
    const map = mapOf(size.w + 4, size.h + 4, [object]);
    for (let y = 1; y <= size.h + 2; y++) {
      for (let x = 1; x <= size.w + 2; x++) {
        if (covers(object, { x, y })) continue;
        for (const dir of DIRECTIONS) {
          cases.push({
            name: `a ${kind} at (2,2), ${dir} from ${at({ x, y })}`,
            map,
            from: { x, y },
            dir,
            to: expected(map, { x, y }, dir),
          });
        }
      }
    }
  }
  return cases;
}

// 4 x 3:   . . .
//          . # G G      a wall at (1,1), a 2x2 game at (2,1)
//          . . G G
const MIXED = mapOf(4, 3, [
  { id: 'w1', kind: 'wall', x: 1, y: 1, w: 1, h: 1 },
  { id: 'g1', kind: 'game', x: 2, y: 1, w: 2, h: 2, gameId: 1 },
]);

const CASES: MoveCase[] = [
  ...boundsCases(),
  ...objectCases(),
  {
    name: 'between a wall and the top edge: right along the corridor',
    map: MIXED,
    from: { x: 0, y: 0 },
    dir: 'right',
    to: { x: 1, y: 0 },
  },
  { name: 'down from above the wall is refused', map: MIXED, from: { x: 1, y: 0 }, dir: 'down', to: null },
  { name: 'down from above the game is refused', map: MIXED, from: { x: 3, y: 0 }, dir: 'down', to: null },
  {
    name: 'right from below the wall into the game is refused',
    map: MIXED,
    from: { x: 1, y: 2 },
    dir: 'right',
    to: null,
  },
  {
    name: 'the rule reads only the target: from inside a game, a step within it is refused',
    map: MIXED,
    from: { x: 2, y: 1 },
    dir: 'right',
    to: null,
  },
  {
    name: 'the rule reads only the target: from inside a game, a step out of it is taken',
    map: MIXED,
    from: { x: 2, y: 1 },
    dir: 'up',
    to: { x: 2, y: 0 },
  },
  {
    name: 'onto a cell another avatar stands on',
    map: emptyMap(3, 3),
    from: { x: 0, y: 0 },
    dir: 'right',
    others: [{ x: 1, y: 0 }],
    to: { x: 1, y: 0 },
  },
  {
    name: 'onto a cell three avatars stand on',
    map: emptyMap(3, 3),
    from: { x: 1, y: 2 },
    dir: 'up',
    others: [
      { x: 1, y: 1 },
      { x: 1, y: 1 },
      { x: 1, y: 1 },
    ],
    to: { x: 1, y: 1 },
  },
  {
    name: 'off a cell shared with two avatars, who stay',
    map: emptyMap(3, 3),
    from: { x: 1, y: 1 },
    dir: 'left',
    others: [
      { x: 1, y: 1 },
      { x: 1, y: 1 },
    ],
    to: { x: 0, y: 1 },
  },
  {
    name: 'avatars all around do not block, the edge still does',
    map: emptyMap(2, 2),
    from: { x: 0, y: 0 },
    dir: 'up',
    others: [
      { x: 1, y: 0 },
      { x: 0, y: 1 },
      { x: 1, y: 1 },
    ],
    to: null,
  },
  {
    name: 'an avatar behind a wall does not open it',
    map: MIXED,
    from: { x: 0, y: 1 },
    dir: 'right',
    others: [
      { x: 1, y: 0 },
      { x: 1, y: 2 },
    ],
    to: null,
  },
];

const LOG_LENGTH = 50;

interface OpenStore {
  name: string;
  store: RoomStateStore;
  close(): Promise<void>;
}

function openRedis(): OpenStore {
  const prefix = `t:move-rule:${randomBytes(5).toString('hex')}:`;
  const redis = new Redis(SERVICES.redis, { keyPrefix: prefix });
  return {
    name: 'redis',
    store: new RedisRoomState(redis, LOG_LENGTH),
    async close() {
      redis.disconnect();
      await deleteKeys(prefix);
    },
  };
}

function openMemory(): OpenStore {
  return { name: 'memory', store: new MemoryRoomState(LOG_LENGTH), async close() {} };
}

/** The room's avatars as an enter reads them, by an onlooker who leaves again. */
async function avatars(store: RoomStateStore, roomId: string): Promise<Member[]> {
  const seen = await store.enter(roomId, {
    userId: 'onlooker',
    name: 'onlooker',
    sessionId: 'onlooker',
    instanceId: 'i1',
    role: 'spectator',
    spawn: { x: 0, y: 0 },
  });
  await store.leave(roomId, 'onlooker', 'onlooker', 'spectator', 'leave', 'i1');
  return [...seen.members].sort((a, b) => a.userId.localeCompare(b.userId));
}

/**
 * A room on `map` with the mover ('mover') at `from` and the others ('o0', 'o1'…) where given;
 * answers the room's seq.
 */
async function setUp(store: RoomStateStore, roomId: string, c: MoveCase): Promise<number> {
  await store.cacheMap(roomId, c.map);
  for (const [i, spawn] of (c.others ?? []).entries()) {
    await store.enter(roomId, {
      userId: `o${i}`,
      name: `o${i}`,
      sessionId: `o${i}`,
      instanceId: 'i1',
      role: 'player',
      spawn,
    });
  }
  const entered = await store.enter(roomId, {
    userId: 'mover',
    name: 'mover',
    sessionId: 'mover',
    instanceId: 'i1',
    role: 'player',
    spawn: c.from,
  });
  return entered.seq;
}

describe('the move rule table', () => {
  it('has rows that take the step and rows that refuse it, for the edges, every object kind and shared cells', () => {
    expect(CASES.filter((c) => c.to === null).length).toBeGreaterThan(40);
    expect(CASES.filter((c) => c.to !== null).length).toBeGreaterThan(40);
    for (const kind of Object.keys(CATALOGUE))
      expect(CASES.some((c) => c.name.startsWith(`a ${kind} `) && c.to === null)).toBe(true);
    expect(CASES.some((c) => c.others?.length && c.to !== null)).toBe(true);
  });
});

describe('the move rule: domain (canStep)', () => {
  it.each(CASES)('$name', (c) => {
    expect(canStep(c.map, c.from, c.dir)).toEqual(c.to ? { ok: true, to: c.to } : { ok: false });
  });
});

describe.each([
  { adapter: 'memory', open: openMemory },
  { adapter: 'redis', open: openRedis },
])('the move rule: $adapter room state', ({ open }) => {
  let s: OpenStore;
  let room = 0;

  beforeAll(() => {
    s = open();
  });
  afterAll(async () => {
    await s.close();
  });

  it.each(CASES)('$name', async (c) => {
    const roomId = `case${++room}`;
    const seq = await setUp(s.store, roomId, c);
    const before = await avatars(s.store, roomId);

    const res = await s.store.move(roomId, 'mover', 'mover', c.dir);

    const others = before.filter((m) => m.userId !== 'mover');
    if (c.to) {
      expect(res).toMatchObject({ ok: true, x: c.to.x, y: c.to.y });
      const event = JSON.parse((res as Extract<MoveResult, { ok: true }>).event.json) as unknown;
      expect(event).toEqual({ type: 'moved', roomId, seq: seq + 1, userId: 'mover', x: c.to.x, y: c.to.y, dir: c.dir });
      const after = await avatars(s.store, roomId);
      expect(after.find((m) => m.userId === 'mover')).toMatchObject(c.to);
      expect(after.filter((m) => m.userId !== 'mover')).toEqual(others);
    } else {
      expect(res).toEqual({ ok: false, code: 'BLOCKED', x: c.from.x, y: c.from.y });
      expect(await s.store.eventsSince(roomId, seq)).toEqual([]);
      expect(await avatars(s.store, roomId)).toEqual(before);
    }
  });
});

// ---- seeded random maps ---------------------------------------------------------------------------

/** A random map built through the build rule, so it holds only what a real room can hold. */
function randomMap(rnd: () => number): RoomMap {
  const kinds = Object.entries(CATALOGUE);
  let map = emptyMap(1 + Math.floor(rnd() * 9), 1 + Math.floor(rnd() * 9));
  let ids = 0;
  // From bare to crowded: up to one attempt for every second cell.
  const attempts = Math.floor((rnd() * map.width * map.height) / 2);
  for (let i = 0; i < attempts; i++) {
    const [kind, size] = kinds[Math.floor(rnd() * kinds.length)];
    const op: BuildOp = {
      op: 'place',
      kind,
      x: Math.floor(rnd() * map.width),
      y: Math.floor(rnd() * map.height),
      ...(size.needsGame ? { gameId: 1 } : {}),
    };
    try {
      map = applyBuild(map, [op], new Set([1]), () => `o${++ids}`);
    } catch {
      // Off the map, overlapping, or the last free cell: that object is not placed.
    }
  }
  return map;
}

describe('the move rule on seeded random maps: domain, memory and Redis agree step by step', () => {
  let stores: OpenStore[];
  const totals = { taken: 0, refused: 0 };

  beforeAll(() => {
    stores = [openMemory(), openRedis()];
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  it.each([1, 2, 3, 7, 42, 1337, 0xbeef, 20261130])('seed %i', async (seed) => {
    const rnd = prng(seed);
    const map = randomMap(rnd);
    const roomId = `seed${seed}`;
    const users = ['a', 'b', 'c'];
    // The domain's view: where each avatar stands.
    const model = new Map<string, Cell>();
    for (const u of users) {
      const spawn = nearestFreeCell(map, { x: Math.floor(rnd() * map.width), y: Math.floor(rnd() * map.height) })!;
      model.set(u, spawn);
    }
    for (const { store } of stores) {
      await store.cacheMap(roomId, map);
      for (const u of users)
        await store.enter(roomId, {
          userId: u,
          name: u,
          sessionId: u,
          instanceId: 'i1',
          role: 'player',
          spawn: model.get(u)!,
        });
    }

    for (let step = 0; step < 60; step++) {
      const u = users[Math.floor(rnd() * users.length)];
      const dir = DIRECTIONS[Math.floor(rnd() * DIRECTIONS.length)];
      const from = model.get(u)!;
      const rule = canStep(map, from, dir);
      const want = rule.ok
        ? { ok: true, x: rule.to.x, y: rule.to.y }
        : { ok: false, code: 'BLOCKED', x: from.x, y: from.y };
      for (const { name, store } of stores) {
        const res = await store.move(roomId, u, u, dir);
        expect({ adapter: name, step, u, dir, res: res.ok ? { ok: true, x: res.x, y: res.y } : res }).toEqual({
          adapter: name,
          step,
          u,
          dir,
          res: want,
        });
      }
      if (rule.ok) model.set(u, rule.to);
      totals[rule.ok ? 'taken' : 'refused']++;
    }

    const expectedAvatars = users.map((u) => ({ userId: u, name: u, role: 'player', ...model.get(u)! }));
    for (const { store } of stores) expect(await avatars(store, roomId)).toEqual(expectedAvatars);
  });

  it('the walks took steps and were refused steps, many of each', () => {
    expect(totals.taken).toBeGreaterThan(150);
    expect(totals.refused).toBeGreaterThan(150);
  });
});

// ---- the build rule on generated maps ---------------------------------------------------------------

/**
 * A build checked by the domain (applyBuild, pushTargets) is then swapped in by each room state:
 * the memory adapter in code, Redis in its build script, which also rewrites the occupancy grid
 * its move script reads. All must publish the same map and the same pushed avatars, refuse the
 * same stale base version, and then agree on every step from the avatars' new cells. Generated by
 * fast-check, which shrinks a disagreement to the smallest map and ops that show it.
 */
const kindArb = fc.oneof({ arbitrary: fc.constant('wall'), weight: 3 }, { arbitrary: fc.constant('game'), weight: 1 });
/** A cell as a percentage of the map's width and height, so that most land on any map size. */
const cellArb = fc.record({ x: fc.nat(99), y: fc.nat(99) });
const placeArb = fc
  .tuple(kindArb, cellArb)
  .map(([kind, c]): BuildOp => ({ op: 'place', kind, ...c, ...(CATALOGUE[kind].needsGame ? { gameId: 1 } : {}) }));
const buildCaseArb = fc.record({
  width: fc.integer({ min: 1, max: 9 }),
  height: fc.integer({ min: 1, max: 9 }),
  /** Ops that lay out the map before the build under test (those the rule refuses are skipped). */
  layout: fc.array(placeArb, { maxLength: 30 }),
  avatars: fc.array(cellArb, { minLength: 1, maxLength: 4 }),
  /** The build under test: places anywhere, and removals of the layout's objects by index. */
  ops: fc.array(
    fc.oneof(
      placeArb,
      fc.nat(30).map((i) => ({ remove: i })),
    ),
    { minLength: 1, maxLength: 3 },
  ),
});

describe('the build rule on generated maps: domain, memory and Redis agree', () => {
  let stores: OpenStore[];
  let room = 0;
  const totals = { applied: 0, pushed: 0, rejected: 0 };

  beforeAll(() => {
    stores = [openMemory(), openRedis()];
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  it('same published map, same pushes, same CONFLICT, same steps afterwards', async () => {
    await fc.assert(
      fc.asyncProperty(buildCaseArb, async (c) => {
        const newId = idGenFor('l');
        // An object's cell scaled to where it fits (when the map is big enough for it at all).
        const fit = <T extends Cell & { kind?: string }>(cell: T): T => {
          const size = cell.kind ? CATALOGUE[cell.kind] : { w: 1, h: 1 };
          return {
            ...cell,
            x: Math.floor((cell.x * Math.max(1, c.width - size.w + 1)) / 100),
            y: Math.floor((cell.y * Math.max(1, c.height - size.h + 1)) / 100),
          };
        };
        let map = emptyMap(c.width, c.height);
        for (const op of c.layout) {
          try {
            map = applyBuild(map, [fit(op as Extract<BuildOp, { op: 'place' }>)], new Set([1]), newId);
          } catch {
            // The rule refused this one: the layout goes on without it.
          }
        }
        const ops: BuildOp[] = c.ops.map((op) =>
          'remove' in op
            ? { op: 'remove', objectId: map.objects.length ? map.objects[op.remove % map.objects.length].id : 'ghost' }
            : fit(op as Extract<BuildOp, { op: 'place' }>),
        );
        let next: RoomMap;
        try {
          next = applyBuild(map, ops, new Set([1]), idGenFor('b'));
        } catch (err) {
          if (process.env.DEBUG_BUILD_RULE) console.log((err as Error).message);
          totals.rejected++;
          return; // a refused build never reaches the room state
        }
        totals.applied++;
        const pushes = pushTargets(map, next);
        const users = c.avatars.map((_, i) => `u${i}`);
        const spawns = c.avatars.map((a) => nearestFreeCell(map, fit(a))!);
        const moved = spawns.map((s) => pushes.get(s.y * next.width + s.x) ?? s);
        if (moved.some((m, i) => m !== spawns[i])) totals.pushed++;
        const expectedMembers = users.map((u, i) => ({ userId: u, name: u, role: 'player', ...moved[i] }));
        const roomId = `build${++room}`;

        for (const { name, store } of stores) {
          await store.cacheMap(roomId, map);
          for (const [i, u] of users.entries())
            await store.enter(roomId, {
              userId: u,
              name: u,
              sessionId: u,
              instanceId: 'i1',
              role: 'player',
              spawn: spawns[i],
            });
          const res = await store.applyBuild(roomId, map.version, next, pushes);
          if (!res.ok) throw new Error(`${name}: build refused: ${JSON.stringify(res)}`);
          const built = JSON.parse(res.event.json) as { type: string; map: RoomMap; members: Member[] };
          expect({ name, type: built.type, map: built.map, members: sortMembers(built.members) }).toEqual({
            name,
            type: 'built',
            map: next,
            members: expectedMembers,
          });
          expect({ name, cached: await store.getMap(roomId) }).toEqual({ name, cached: next });
          // The same build again, on the base it was made on, is stale now.
          expect({ name, again: await store.applyBuild(roomId, map.version, next, pushes) }).toEqual({
            name,
            again: { ok: false, code: 'CONFLICT', version: next.version },
          });
          // Every avatar's steps follow the new map (Redis: the rewritten grid).
          for (const [i, u] of users.entries()) {
            for (const dir of DIRECTIONS) {
              const rule = canStep(next, moved[i], dir);
              const res2 = await store.move(roomId, u, u, dir);
              const want = rule.ok
                ? { ok: true, x: rule.to.x, y: rule.to.y }
                : { ok: false, code: 'BLOCKED', x: moved[i].x, y: moved[i].y };
              expect({ name, u, dir, res: res2.ok ? { ok: true, x: res2.x, y: res2.y } : res2 }).toEqual({
                name,
                u,
                dir,
                res: want,
              });
              // Step back where the avatar was, so each direction starts from the same cell.
              if (rule.ok) await store.move(roomId, u, u, OPPOSITE[dir]);
            }
          }
        }
      }),
      { seed: 20261201, numRuns: 150 },
    );
    // The generator reaches every branch: applied builds, builds that push avatars, refused builds.
    expect(totals.applied).toBeGreaterThan(40);
    expect(totals.pushed).toBeGreaterThan(5);
    expect(totals.rejected).toBeGreaterThan(10);
  });
});

const OPPOSITE: Record<Direction, Direction> = { up: 'down', down: 'up', left: 'right', right: 'left' };

function idGenFor(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}${++n}`;
}

function sortMembers(members: Member[]): Member[] {
  return [...members].sort((a, b) => a.userId.localeCompare(b.userId));
}
