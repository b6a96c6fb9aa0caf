import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { MapObject, RoomMap } from '../../src/protocol/messages';
import { pushTargets } from '../../src/domain/free-cell';
import { MemoryRoomState } from '../../src/state/memory-room-state';
import { RedisRoomState } from '../../src/state/redis/redis-room-state';
import {
  AccessChangedError,
  type EnterParams,
  MapChangedError,
  type RoomSnapshot,
  type RoomStateStore,
  type SeqEvent,
} from '../../src/state/room-state.port';
import { entering } from '../support/enter-params';
import { deleteKeys, SERVICES } from '../support/server';

/**
 * One contract, two adapters: the Redis room state (on the real Redis, under a key prefix of its
 * own) and the in-memory one of the embedded mode must answer every call the same way.
 */

const LOG_LENGTH = 10;

interface Adapter {
  name: string;
  open(): { store: RoomStateStore; close(): Promise<void> };
}

const ADAPTERS: Adapter[] = [
  {
    name: 'redis',
    open() {
      const prefix = `t:state:${randomBytes(5).toString('hex')}:`;
      const redis = new Redis(SERVICES.redis, { keyPrefix: prefix });
      return {
        store: new RedisRoomState(redis, LOG_LENGTH),
        async close() {
          redis.disconnect();
          await deleteKeys(prefix);
        },
      };
    },
  },
  {
    name: 'memory',
    open() {
      return { store: new MemoryRoomState(LOG_LENGTH), async close() {} };
    },
  },
];

const ROOM = 'r1';
const wall = (id: string, x: number, y: number): MapObject => ({ id, kind: 'wall', x, y, w: 1, h: 1 });
const mapOf = (version: number, objects: MapObject[] = [], width = 5, height = 4): RoomMap => ({
  version,
  width,
  height,
  objects,
});
const player = (userId: string, sessionId: string, instanceId = 'i1', spawn = { x: 0, y: 0 }): EnterParams =>
  entering(userId, sessionId, 'player', instanceId, spawn);
const spectator = (userId: string, sessionId: string, instanceId = 'i1'): EnterParams =>
  entering(userId, sessionId, 'spectator', instanceId);
const parsed = (e: SeqEvent | null | undefined) => {
  if (!e) throw new Error('expected an event');
  const body = JSON.parse(e.json) as { seq: number };
  expect(body.seq).toBe(e.seq);
  return body;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const byUser = <T extends { userId: string }>(list: T[]) => [...list].sort((a, b) => a.userId.localeCompare(b.userId));

/**
 * The room as an enter reads it (the welcome a client gets), without leaving a trace: an onlooker
 * of an instance of its own enters as a spectator (which changes no seq and logs no event) and
 * leaves again; the count it reports leaves the onlooker out.
 */
async function look(store: RoomStateStore, roomId = ROOM): Promise<Omit<RoomSnapshot, 'epoch'>> {
  const seen = await store.enter(roomId, spectator('onlooker', 'onlooker-s', 'onlooker-i'));
  expect(await store.leave(roomId, 'onlooker', 'onlooker-s', 'spectator', 'leave', 'onlooker-i')).toBeNull();
  return { seq: seen.seq, map: seen.map, members: seen.members, spectators: seen.spectators - 1 };
}

describe.each(ADAPTERS)('RoomStateStore contract: $name', (adapter) => {
  let store: RoomStateStore;
  let close: () => Promise<void>;

  beforeEach(() => {
    ({ store, close } = adapter.open());
  });
  afterEach(async () => {
    await close();
  });

  describe('map cache', () => {
    it('has no map until a map is cached, then an empty room on it', async () => {
      expect(await store.getMap(ROOM)).toBeNull();
      await store.cacheMap(ROOM, mapOf(0, [wall('w1', 2, 2)]));
      expect(await store.getMap(ROOM)).toEqual(mapOf(0, [wall('w1', 2, 2)]));
      expect(await look(store)).toEqual({ seq: 0, map: mapOf(0, [wall('w1', 2, 2)]), members: [], spectators: 0 });
    });

    it('keeps a cached map over one of the same or an older version, takes a newer one', async () => {
      await store.cacheMap(ROOM, mapOf(3, [wall('a', 1, 1)]));
      await store.cacheMap(ROOM, mapOf(3, [wall('b', 2, 2)]));
      await store.cacheMap(ROOM, mapOf(2, [wall('c', 3, 3)]));
      expect(await store.getMap(ROOM)).toEqual(mapOf(3, [wall('a', 1, 1)]));
      await store.cacheMap(ROOM, mapOf(4, [wall('d', 0, 3)]));
      expect(await store.getMap(ROOM)).toEqual(mapOf(4, [wall('d', 0, 3)]));
    });

    it('starts a room without a seq after the floor it is given, and never moves a seq already counting', async () => {
      await store.cacheMap(ROOM, mapOf(0), 41);
      expect((await look(store)).seq).toBe(41);
      const first = await store.enter(ROOM, player('1', 's1'));
      expect(parsed(first.event).seq).toBe(42);
      // Caching again (a newer map, or the same map by another instance) with any floor: the seq goes on.
      await store.cacheMap(ROOM, mapOf(1), 500);
      await store.cacheMap(ROOM, mapOf(1), 7);
      expect((await look(store)).seq).toBe(42);
      expect(parsed(await store.notice(ROOM, 'hi', { userId: 'a', name: 'admin' })).seq).toBe(43);
      // A room with no durable history (floor 0) starts at 1, as it always did.
      await store.cacheMap('r2', mapOf(0), 0);
      expect(parsed((await store.enter('r2', player('1', 's2'))).event).seq).toBe(1);
    });

    it('refuses an enter into a room whose map is not cached', async () => {
      await expect(store.enter(ROOM, player('1', 's1'))).rejects.toThrow(/no cached map/);
    });
  });

  describe('enter', () => {
    beforeEach(async () => {
      await store.cacheMap(ROOM, mapOf(0, [wall('w1', 2, 2)]));
    });

    it('a player gets an avatar on the spawn cell and the room an `entered` event', async () => {
      const res = await store.enter(ROOM, player('1', 's1', 'i1', { x: 1, y: 0 }));
      const member = { userId: '1', name: 'user1', x: 1, y: 0, role: 'player' };
      expect(res).toMatchObject({ seq: 1, map: mapOf(0, [wall('w1', 2, 2)]), members: [member], spectators: 0 });
      expect(res.replaced).toBeUndefined();
      expect(parsed(res.event)).toEqual({ type: 'entered', roomId: ROOM, seq: 1, member });
    });

    it('an enter whose spawn was computed from another map version changes nothing and hands back the cached map', async () => {
      const err = await store.enter(ROOM, { ...player('1', 's1'), mapVersion: 7 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MapChangedError);
      expect((err as MapChangedError).map).toEqual(mapOf(0, [wall('w1', 2, 2)]));
      expect(await look(store)).toEqual({ seq: 0, map: mapOf(0, [wall('w1', 2, 2)]), members: [], spectators: 0 });
      expect(await store.sessionsOfInstance('i1')).toEqual([]);
      const res = await store.enter(ROOM, { ...player('1', 's1'), mapVersion: 0 });
      expect(res.seq).toBe(1);
    });

    it('an enter checked against entry rules whose version was replaced changes nothing; the current version lets it in', async () => {
      const checked = await store.accessVersion(ROOM);
      expect(await store.accessVersion(ROOM)).toBe(checked);
      await store.accessChanged(ROOM);
      const current = await store.accessVersion(ROOM);
      expect(current).not.toBe(checked);
      for (const role of ['player', 'spectator'] as const) {
        const params = role === 'player' ? player('1', 's1') : spectator('2', 's2');
        const err = await store.enter(ROOM, { ...params, accessVersion: checked }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AccessChangedError);
      }
      expect(await look(store)).toEqual({ seq: 0, map: mapOf(0, [wall('w1', 2, 2)]), members: [], spectators: 0 });
      expect(await store.sessionsOfInstance('i1')).toEqual([]);
      expect((await store.enter(ROOM, { ...player('1', 's1'), accessVersion: current })).seq).toBe(1);
    });

    it("each room's entry rules have a version of their own", async () => {
      const other = await store.accessVersion('r2');
      await store.accessChanged(ROOM);
      expect(await store.accessVersion('r2')).toBe(other);
      expect(await store.accessVersion(ROOM)).not.toBe(other);
    });

    it('each player entering takes the next seq; members lists them all', async () => {
      await store.enter(ROOM, player('1', 's1'));
      const res = await store.enter(ROOM, player('2', 's2', 'i2'));
      expect(res.seq).toBe(2);
      expect(res.event?.seq).toBe(2);
      expect(byUser(res.members).map((m) => m.userId)).toEqual(['1', '2']);
    });

    it('keeps names and ids exactly, whatever characters they hold', async () => {
      const roomId = 'a:b@c.d_1-2';
      await store.cacheMap(roomId, mapOf(0));
      const res = await store.enter(roomId, { ...player('u@x.y', 's1'), name: 'Zoë "the" \\ builder </script> 🧱' });
      expect(parsed(res.event)).toEqual({
        type: 'entered',
        roomId,
        seq: 1,
        member: { userId: 'u@x.y', name: 'Zoë "the" \\ builder </script> 🧱', x: 0, y: 0, role: 'player' },
      });
    });

    it('a spectator is counted, gets no avatar and makes no event', async () => {
      await store.enter(ROOM, player('1', 's1'));
      const res = await store.enter(ROOM, spectator('2', 's2'));
      expect(res.event).toBeUndefined();
      expect(res.replaced).toBeUndefined();
      expect(res).toMatchObject({ seq: 1, spectators: 1 });
      expect(res.members.map((m) => m.userId)).toEqual(['1']);
      expect((await store.enter(ROOM, spectator('3', 's3'))).spectators).toBe(2);
    });

    it('the same user from a new session replaces the old one: same avatar, same place, no event', async () => {
      await store.enter(ROOM, player('1', 'old', 'i1'));
      await store.move(ROOM, '1', 'old', 'right');
      const res = await store.enter(ROOM, player('1', 'new', 'i2', { x: 0, y: 0 }));
      expect(res.event).toBeUndefined();
      expect(res.replaced).toEqual({ sessionId: 'old', instanceId: 'i1' });
      expect(res.seq).toBe(2);
      expect(res.members).toEqual([{ userId: '1', name: 'user1', x: 1, y: 0, role: 'player' }]);
      expect(await store.sessionsOfInstance('i1')).toEqual([]);
      expect(await store.sessionsOfInstance('i2')).toEqual([
        { roomId: ROOM, userId: '1', sessionId: 'new', role: 'player' },
      ]);
    });

    it('the replaced session is fenced off: it can neither move nor remove the avatar', async () => {
      await store.enter(ROOM, player('1', 'old'));
      await store.enter(ROOM, player('1', 'new'));
      expect(await store.move(ROOM, '1', 'old', 'right')).toEqual({ ok: false, code: 'NOT_IN_ROOM' });
      expect(await store.leave(ROOM, '1', 'old', 'player', 'disconnect', 'i1')).toBeNull();
      const moved = await store.move(ROOM, '1', 'new', 'right');
      expect(moved).toMatchObject({ ok: true, x: 1, y: 0 });
    });

    it('the same session entering again replaces nothing', async () => {
      await store.enter(ROOM, player('1', 's1'));
      const res = await store.enter(ROOM, player('1', 's1'));
      expect(res.replaced).toBeUndefined();
      expect(res.event).toBeUndefined();
      expect(res.seq).toBe(1);
    });
  });

  describe('move', () => {
    beforeEach(async () => {
      // 5 x 4, a wall at (1,1):   . . . . .
      //                           . # . . .
      await store.cacheMap(ROOM, mapOf(0, [wall('w1', 1, 1)]));
      await store.enter(ROOM, player('1', 's1'));
    });

    it('a step to a free cell moves the avatar and logs a `moved` event', async () => {
      const res = await store.move(ROOM, '1', 's1', 'right');
      if (!res.ok) throw new Error(res.code);
      expect(res).toMatchObject({ x: 1, y: 0 });
      expect(parsed(res.event)).toEqual({ type: 'moved', roomId: ROOM, seq: 2, userId: '1', x: 1, y: 0, dir: 'right' });
      expect((await look(store)).members).toEqual([{ userId: '1', name: 'user1', x: 1, y: 0, role: 'player' }]);
    });

    it('a step off the map is BLOCKED, with the position, and changes nothing', async () => {
      expect(await store.move(ROOM, '1', 's1', 'up')).toEqual({ ok: false, code: 'BLOCKED', x: 0, y: 0 });
      expect(await store.move(ROOM, '1', 's1', 'left')).toEqual({ ok: false, code: 'BLOCKED', x: 0, y: 0 });
      expect((await look(store)).seq).toBe(1);
    });

    it('a step into an object is BLOCKED', async () => {
      await store.move(ROOM, '1', 's1', 'right');
      expect(await store.move(ROOM, '1', 's1', 'down')).toEqual({ ok: false, code: 'BLOCKED', x: 1, y: 0 });
    });

    it('reaches the far edges and stops there', async () => {
      for (let i = 0; i < 4; i++) expect((await store.move(ROOM, '1', 's1', 'right')).ok).toBe(true);
      expect(await store.move(ROOM, '1', 's1', 'right')).toEqual({ ok: false, code: 'BLOCKED', x: 4, y: 0 });
      for (let i = 0; i < 3; i++) expect((await store.move(ROOM, '1', 's1', 'down')).ok).toBe(true);
      expect(await store.move(ROOM, '1', 's1', 'down')).toEqual({ ok: false, code: 'BLOCKED', x: 4, y: 3 });
    });

    it('someone without an avatar, or a session that does not hold it, is NOT_IN_ROOM', async () => {
      expect(await store.move(ROOM, '2', 's2', 'right')).toEqual({ ok: false, code: 'NOT_IN_ROOM' });
      expect(await store.move(ROOM, '1', 'other', 'right')).toEqual({ ok: false, code: 'NOT_IN_ROOM' });
      expect(await store.move('nowhere', '1', 's1', 'right')).toEqual({ ok: false, code: 'NOT_IN_ROOM' });
      await store.enter(ROOM, spectator('3', 's3'));
      expect(await store.move(ROOM, '3', 's3', 'right')).toEqual({ ok: false, code: 'NOT_IN_ROOM' });
    });

    it('concurrent moves get distinct, consecutive seqs', async () => {
      for (let u = 2; u <= 8; u++) await store.enter(ROOM, player(String(u), `s${u}`));
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.move(ROOM, String(i + 1), `s${i + 1}`, 'down')),
      );
      // Everyone stands on (0,0) and steps down to (0,1): all succeed.
      const seqs = results.map((r) => (r.ok ? r.event.seq : -1)).sort((a, b) => a - b);
      expect(seqs).toEqual([9, 10, 11, 12, 13, 14, 15, 16]);
    });
  });

  describe('leave', () => {
    beforeEach(async () => {
      await store.cacheMap(ROOM, mapOf(0));
    });

    it('removes the avatar and logs a `left` event once', async () => {
      await store.enter(ROOM, player('1', 's1'));
      await store.enter(ROOM, player('2', 's2'));
      const ev = await store.leave(ROOM, '1', 's1', 'player', 'disconnect', 'i1');
      expect(parsed(ev)).toEqual({ type: 'left', roomId: ROOM, seq: 3, userId: '1', reason: 'disconnect' });
      expect((await look(store)).members.map((m) => m.userId)).toEqual(['2']);
      expect(await store.leave(ROOM, '1', 's1', 'player', 'disconnect', 'i1')).toBeNull();
      expect(await store.move(ROOM, '1', 's1', 'right')).toEqual({ ok: false, code: 'NOT_IN_ROOM' });
    });

    it('finds the instance holding the avatar when none is given', async () => {
      await store.enter(ROOM, player('1', 's1', 'i7'));
      const ev = await store.leave(ROOM, '1', 's1', 'player', 'timeout');
      expect(parsed(ev)).toMatchObject({ type: 'left', userId: '1', reason: 'timeout' });
      expect(await store.sessionsOfInstance('i7')).toEqual([]);
    });

    it('a spectator leaves silently and is no longer counted', async () => {
      await store.enter(ROOM, spectator('1', 's1'));
      await store.enter(ROOM, spectator('2', 's2'));
      expect(await store.leave(ROOM, '1', 's1', 'spectator', 'leave', 'i1')).toBeNull();
      expect(await look(store)).toMatchObject({ seq: 0, spectators: 1 });
      expect(await store.sessionsOfInstance('i1')).toEqual([
        { roomId: ROOM, userId: '2', sessionId: 's2', role: 'spectator' },
      ]);
    });

    it('a user may watch and play the same room from two sessions; each leaves on its own', async () => {
      await store.enter(ROOM, player('1', 'p'));
      await store.enter(ROOM, spectator('1', 'w'));
      expect(await store.leave(ROOM, '1', 'w', 'spectator', 'leave', 'i1')).toBeNull();
      expect((await look(store)).members.map((m) => m.userId)).toEqual(['1']);
      expect(parsed(await store.leave(ROOM, '1', 'p', 'player', 'leave', 'i1'))).toMatchObject({
        type: 'left',
        userId: '1',
      });
    });
  });

  describe('build', () => {
    const base = mapOf(0, [wall('w1', 4, 3)]);

    beforeEach(async () => {
      await store.cacheMap(ROOM, base);
    });

    it('swaps the map at the expected version and logs `built` with every avatar', async () => {
      await store.enter(ROOM, player('1', 's1'));
      await store.enter(ROOM, player('2', 's2', 'i1', { x: 3, y: 3 }));
      const next = mapOf(1, [wall('w1', 4, 3), wall('w2', 2, 0)]);
      const res = await store.applyBuild(ROOM, 0, next, pushTargets(base, next));
      if (!res.ok) throw new Error('conflict');
      const body = parsed(res.event) as unknown as {
        type: string;
        roomId: string;
        seq: number;
        map: RoomMap;
        members: { userId: string }[];
      };
      expect(body).toMatchObject({ type: 'built', roomId: ROOM, seq: 3, map: next });
      expect(byUser(body.members)).toEqual([
        { userId: '1', name: 'user1', x: 0, y: 0, role: 'player' },
        { userId: '2', name: 'user2', x: 3, y: 3, role: 'player' },
      ]);
      expect(await store.getMap(ROOM)).toEqual(next);
    });

    it('moves run against the new map at once', async () => {
      await store.enter(ROOM, player('1', 's1'));
      const next = mapOf(1, [wall('w1', 4, 3), wall('w2', 1, 0)]);
      await store.applyBuild(ROOM, 0, next, pushTargets(base, next));
      expect(await store.move(ROOM, '1', 's1', 'right')).toEqual({ ok: false, code: 'BLOCKED', x: 0, y: 0 });
      expect(await store.move(ROOM, '1', 's1', 'down')).toMatchObject({ ok: true, x: 0, y: 1 });
    });

    it('an avatar standing where an object lands is pushed; the others stay', async () => {
      await store.enter(ROOM, player('1', 's1', 'i1', { x: 2, y: 1 }));
      await store.enter(ROOM, player('2', 's2', 'i1', { x: 0, y: 0 }));
      const next = mapOf(1, [wall('w1', 4, 3), { id: 'g1', kind: 'game', x: 2, y: 1, w: 2, h: 2, gameId: 7 }]);
      const pushes = pushTargets(base, next);
      const target = pushes.get(1 * 5 + 2)!;
      expect(target).toBeDefined();
      const res = await store.applyBuild(ROOM, 0, next, pushes);
      if (!res.ok) throw new Error('conflict');
      const members = byUser(
        (parsed(res.event) as unknown as { members: { userId: string; x: number; y: number }[] }).members,
      );
      expect(members.map(({ userId, x, y }) => ({ userId, x, y }))).toEqual([
        { userId: '1', ...target },
        { userId: '2', x: 0, y: 0 },
      ]);
      expect(byUser((await look(store)).members).map(({ x, y }) => ({ x, y }))).toEqual([target, { x: 0, y: 0 }]);
    });

    it('a build on a stale version is a CONFLICT carrying the current one, and changes nothing', async () => {
      await store.enter(ROOM, player('1', 's1'));
      const next = mapOf(1, [wall('x', 0, 3)]);
      expect(await store.applyBuild(ROOM, 5, next, new Map())).toEqual({ ok: false, code: 'CONFLICT', version: 0 });
      expect(await store.getMap(ROOM)).toEqual(base);
      expect((await look(store)).seq).toBe(1);
    });

    it('a build on a room with no cached map is a CONFLICT at version -1', async () => {
      expect(await store.applyBuild('elsewhere', 0, mapOf(1), new Map())).toEqual({
        ok: false,
        code: 'CONFLICT',
        version: -1,
      });
      expect(await store.getMap('elsewhere')).toBeNull();
    });

    it('of two concurrent builds on the same version exactly one wins', async () => {
      const a = mapOf(1, [wall('a', 0, 3)]);
      const b = mapOf(1, [wall('b', 1, 3)]);
      const results = await Promise.all([
        store.applyBuild(ROOM, 0, a, new Map()),
        store.applyBuild(ROOM, 0, b, new Map()),
      ]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, code: 'CONFLICT', version: 1 }]);
    });

    it('revertBuild puts the previous map back (pushing avatars off it) and logs `built`', async () => {
      const next = mapOf(1, [wall('w1', 4, 3), wall('w2', 1, 0)]);
      await store.applyBuild(ROOM, 0, next, pushTargets(base, next));
      // The previous map occupies (2,2) that the failed one left free: an avatar there moves.
      const prev = mapOf(0, [wall('w1', 4, 3), wall('old', 2, 2)]);
      await store.enter(ROOM, player('1', 's1', 'i1', { x: 2, y: 2 }));
      const ev = await store.revertBuild(ROOM, next, prev);
      const body = parsed(ev) as unknown as { type: string; map: RoomMap; members: { x: number; y: number }[] };
      expect(body).toMatchObject({ type: 'built', map: prev });
      expect(body.members[0]).not.toMatchObject({ x: 2, y: 2 });
      expect(await store.getMap(ROOM)).toEqual(prev);
    });

    it('revertBuild does nothing when the failed map is no longer the cached one', async () => {
      const next = mapOf(1, [wall('n', 0, 3)]);
      await store.applyBuild(ROOM, 0, next, new Map());
      const later = mapOf(2, [wall('l', 1, 3)]);
      await store.applyBuild(ROOM, 1, later, new Map());
      expect(await store.revertBuild(ROOM, next, base)).toBeNull();
      expect(await store.getMap(ROOM)).toEqual(later);
    });
  });

  describe('event log', () => {
    beforeEach(async () => {
      await store.cacheMap(ROOM, mapOf(0));
      await store.enter(ROOM, player('1', 's1')); // seq 1
    });

    const walk = async (steps: number) => {
      for (let i = 0; i < steps; i++) {
        const res = await store.move(ROOM, '1', 's1', i % 2 === 0 ? 'right' : 'left');
        if (!res.ok) throw new Error(res.code);
      }
    };

    it('gives the events after a seq, in order, exactly as they were returned', async () => {
      const moved = await store.move(ROOM, '1', 's1', 'down'); // seq 2
      await store.enter(ROOM, player('2', 's2')); // seq 3
      const all = await store.eventsSince(ROOM, 0);
      expect(all?.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(all?.[1]).toEqual(moved.ok ? moved.event : undefined);
      expect((await store.eventsSince(ROOM, 2))?.map((e) => JSON.parse(e.json).type)).toEqual(['entered']);
    });

    it('is empty when the caller is up to date, also for an unknown room', async () => {
      expect(await store.eventsSince(ROOM, 1)).toEqual([]);
      expect(await store.eventsSince('unknown', 0)).toEqual([]);
    });

    it('is null for a seq the room never reached (it counts in another epoch) or another epoch named', async () => {
      expect(await store.eventsSince(ROOM, 99)).toBeNull();
      const { epoch } = await store.readRoom(ROOM);
      expect(await store.eventsSince(ROOM, 1, epoch)).toEqual([]);
      expect(await store.eventsSince(ROOM, 1, `${epoch}-other`)).toBeNull();
    });

    it('every write and read names the same epoch while the state lives', async () => {
      const moved = await store.move(ROOM, '1', 's1', 'down');
      const { epoch } = await store.readRoom(ROOM);
      expect(epoch).toEqual(expect.any(String));
      expect(moved.ok && moved.event.epoch).toBe(epoch);
      expect((await store.notice(ROOM, 'hi', { userId: '1', name: 'user1' })).epoch).toBe(epoch);
      expect((await store.eventsSince(ROOM, 0))?.every((e) => e.epoch === undefined || e.epoch === epoch)).toBe(true);
      expect((await store.enter(ROOM, spectator('2', 's2'))).epoch).toBe(epoch);
    });

    it('by time: the events logged after it, or null when the log holds nothing at or before it', async () => {
      await sleep(5);
      const between = Date.now();
      await sleep(5);
      await walk(2); // seqs 2, 3
      expect(await store.eventsAfterTime(ROOM, between)).toEqual({
        afterSeq: 1,
        events: (await store.eventsSince(ROOM, 1))!,
      });
      expect(await store.eventsAfterTime(ROOM, Date.now() + 1000)).toEqual({ afterSeq: 3, events: [] });
      expect(await store.eventsAfterTime(ROOM, between - 60_000)).toBeNull();
      expect(await store.eventsAfterTime('unknown', Date.now())).toBeNull();
    });

    it('by time, once the log was trimmed past it: null', async () => {
      await sleep(5);
      const early = Date.now();
      await sleep(5);
      await walk(12); // seqs 2..13; the log keeps 4..13, logged after `early`
      expect(await store.eventsAfterTime(ROOM, early)).toBeNull();
    });

    it('keeps only the last ROOM_LOG_LENGTH events; asking further back is null', async () => {
      await walk(14); // seqs 2..15; the log keeps 6..15
      expect((await store.eventsSince(ROOM, 5))?.map((e) => e.seq)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
      expect(await store.eventsSince(ROOM, 4)).toBeNull();
      expect(await store.eventsSince(ROOM, 0)).toBeNull();
      expect((await store.eventsSince(ROOM, 13))?.map((e) => e.seq)).toEqual([14, 15]);
    });
  });

  describe('chat limit', () => {
    it("counts each user's lines in a sliding window: beyond the limit, the wait until the oldest leaves it", async () => {
      const windowMs = 400;
      expect(await store.takeChatLine('u1', 2, windowMs)).toBeUndefined();
      expect(await store.takeChatLine('u1', 2, windowMs)).toBeUndefined();
      const wait = await store.takeChatLine('u1', 2, windowMs);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(windowMs);
      // A refused line is not counted, and another user has a count of their own.
      expect(await store.takeChatLine('u1', 2, windowMs)).toBeGreaterThan(0);
      expect(await store.takeChatLine('u2', 2, windowMs)).toBeUndefined();
      await sleep(wait! + 50);
      expect(await store.takeChatLine('u1', 2, windowMs)).toBeUndefined();
    });
  });

  describe('what an enter reads, and sessions', () => {
    beforeEach(async () => {
      await store.cacheMap(ROOM, mapOf(0));
      await store.cacheMap('r2', mapOf(0));
    });

    it('an enter reads the whole room as of its seq', async () => {
      await store.enter(ROOM, player('1', 's1'));
      await store.move(ROOM, '1', 's1', 'right');
      await store.enter(ROOM, spectator('2', 's2'));
      expect(await store.enter(ROOM, spectator('3', 's3'))).toEqual({
        seq: 2,
        epoch: (await store.readRoom(ROOM)).epoch,
        map: mapOf(0),
        members: [{ userId: '1', name: 'user1', x: 1, y: 0, role: 'player' }],
        spectators: 2,
      });
    });

    it('each instance knows the sessions it holds, in every room, until they leave', async () => {
      await store.enter(ROOM, player('1', 's1', 'i1'));
      await store.enter(ROOM, spectator('2', 's2', 'i1'));
      await store.enter('r2', player('3', 's3', 'i1'));
      await store.enter('r2', player('4', 's4', 'i2'));
      const sorted = async (i: string) =>
        [...(await store.sessionsOfInstance(i))].sort((a, b) => a.sessionId.localeCompare(b.sessionId));
      expect(await sorted('i1')).toEqual([
        { roomId: ROOM, userId: '1', sessionId: 's1', role: 'player' },
        { roomId: ROOM, userId: '2', sessionId: 's2', role: 'spectator' },
        { roomId: 'r2', userId: '3', sessionId: 's3', role: 'player' },
      ]);
      expect(await sorted('i2')).toEqual([{ roomId: 'r2', userId: '4', sessionId: 's4', role: 'player' }]);
      await store.leave(ROOM, '1', 's1', 'player', 'leave', 'i1');
      await store.leave(ROOM, '2', 's2', 'spectator', 'leave', 'i1');
      expect(await sorted('i1')).toEqual([{ roomId: 'r2', userId: '3', sessionId: 's3', role: 'player' }]);
      expect(await store.sessionsOfInstance('nobody')).toEqual([]);
    });

    it('answers a ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });

  it('returned values are copies: changing them does not change the room', async () => {
    await store.cacheMap(ROOM, mapOf(0));
    const res = await store.enter(ROOM, player('1', 's1'));
    res.members[0].x = 3;
    res.map.objects.push(wall('z', 0, 0));
    const map = await store.getMap(ROOM);
    map!.width = 1;
    expect(await look(store)).toEqual({
      seq: 1,
      map: mapOf(0),
      members: [{ userId: '1', name: 'user1', x: 0, y: 0, role: 'player' }],
      spectators: 0,
    });
  });
});
