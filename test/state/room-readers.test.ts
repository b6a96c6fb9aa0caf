import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { MemoryRoomState } from '../../src/state/memory-room-state';
import { RedisRoomState } from '../../src/state/redis/redis-room-state';
import { type EnterParams, READER_TTL_MS, type WriteFence } from '../../src/state/room-state.port';
import { entering } from '../support/enter-params';
import { deleteKeys, SERVICES } from '../support/server';

/**
 * Reader marks on the real Redis: every write that takes a seq tells its writer whether any other
 * instance had a live mark on the room at that moment (`localOnly` on the event when none had),
 * which decides whether the event crosses the broker.
 */

const ROOM = 'r1';
const MAP = { version: 1, width: 5, height: 4, objects: [] };
const fenceOf = (instanceId: string): WriteFence => ({
  current: () => ({ instanceId, epoch: '' }),
  reportFenced: () => undefined,
});
const player = (userId: string, instanceId: string): EnterParams =>
  entering(userId, `s${userId}`, 'player', instanceId);

describe('reader marks in the Redis room state', () => {
  let prefix: string;
  let redis: Redis;
  let a: RedisRoomState;
  let b: RedisRoomState;
  const readersKey = `room:{${ROOM}}:readers`;

  beforeEach(async () => {
    prefix = `t:readers:${randomBytes(5).toString('hex')}:`;
    redis = new Redis(SERVICES.redis, { keyPrefix: prefix });
    a = new RedisRoomState(redis, 100, fenceOf('A'));
    b = new RedisRoomState(redis, 100, fenceOf('B'));
    await a.cacheMap(ROOM, MAP);
    await a.enter(ROOM, player('1', 'A'));
  });
  afterEach(async () => {
    redis.disconnect();
    await deleteKeys(prefix);
  });

  const moveLocalOnly = async (dir: 'right' | 'left' = 'right') => {
    const r = await a.move(ROOM, '1', 's1', dir);
    if (!r.ok) throw new Error(`move refused: ${r.code}`);
    return r.event.localOnly ?? false;
  };

  it('a move in a room nobody else reads is localOnly, its own mark included', async () => {
    expect(await moveLocalOnly()).toBe(true);
    expect(await a.markReader(ROOM)).toBe(true);
    expect(await moveLocalOnly('left')).toBe(true);
  });

  it("another instance's live mark makes moves go out, until it drops the mark", async () => {
    expect(await b.markReader(ROOM)).toBe(true);
    expect(await moveLocalOnly()).toBe(false);
    expect(await moveLocalOnly('left')).toBe(false);
    await b.dropReader(ROOM);
    expect(await moveLocalOnly()).toBe(true);
    expect(await redis.exists(`${readersKey}:B`)).toBe(0);
  });

  it('a renewal of a live mark answers false; one whose mark expired answers true', async () => {
    expect(await b.markReader(ROOM)).toBe(true);
    expect(await b.markReader(ROOM)).toBe(false);
    // The mark's lifetime is Redis's TTL on it, renewed by every mark.
    const ttl = await redis.pttl(`${readersKey}:B`);
    expect(ttl).toBeGreaterThan(READER_TTL_MS - 5000);
    expect(ttl).toBeLessThanOrEqual(READER_TTL_MS);
    expect(await redis.pttl(readersKey)).toBeGreaterThan(READER_TTL_MS - 5000);
    await redis.del(`${readersKey}:B`); // as Redis does when the TTL runs out
    expect(await b.markReader(ROOM)).toBe(true);
  });

  it("a dead instance's expired mark stops counting and is pruned from the set by the next move", async () => {
    await b.markReader(ROOM);
    await redis.pexpire(`${readersKey}:B`, 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(await redis.smembers(readersKey)).toEqual(['B']);
    expect(await moveLocalOnly()).toBe(true);
    expect(await redis.smembers(readersKey)).toEqual([]);
  });

  it('marks of several instances: any live one other than the writer counts', async () => {
    const c = new RedisRoomState(redis, 100, fenceOf('C'));
    await Promise.all([a.markReader(ROOM), b.markReader(ROOM), c.markReader(ROOM)]);
    expect(await moveLocalOnly()).toBe(false);
    await b.dropReader(ROOM);
    expect(await moveLocalOnly('left')).toBe(false);
    await c.dropReader(ROOM);
    expect(await moveLocalOnly()).toBe(true);
    expect((await redis.smembers(readersKey)).sort()).toEqual(['A']);
  });

  it('a mark sent before a write on the same connection is seen by that write, unawaited', async () => {
    // The order an enter relies on: the mark goes out first, and the write that follows it on
    // the connection (here a move) already sees it.
    const marked = b.markReader(ROOM);
    const moved = a.move(ROOM, '1', 's1', 'right');
    const [, r] = await Promise.all([marked, moved]);
    expect(r.ok && r.event).toMatchObject({ seq: 2 });
    expect(r.ok && r.event.localOnly).toBeUndefined();
  });

  it('every write that takes a seq answers the same: enter, build, notice, said, leave', async () => {
    const writes = async () => {
      const entered = (await a.enter(ROOM, player('2', 'A'))).event!;
      const built = await a.applyBuild(ROOM, 1, { ...MAP, version: 2 }, new Map());
      const notice = await a.notice(ROOM, 'hello', { userId: 'ops', name: 'Ops' });
      const said = await a.said(ROOM, { userId: '1', name: 'user1', text: 'hi', at: new Date(0).toISOString() });
      const left = (await a.leave(ROOM, '2', 's2', 'player', 'leave'))!;
      if (!built.ok) throw new Error('build refused');
      return [entered, built.event, notice, said, left].map((e) => e.localOnly ?? false);
    };
    expect(await writes()).toEqual([true, true, true, true, true]);
    await b.markReader(ROOM);
    const again = async () => {
      const entered = (await a.enter(ROOM, player('3', 'A'))).event!;
      const built = await a.applyBuild(ROOM, 2, { ...MAP, version: 3 }, new Map());
      const notice = await a.notice(ROOM, 'hello', { userId: 'ops', name: 'Ops' });
      const left = (await a.leave(ROOM, '3', 's3', 'player', 'leave'))!;
      if (!built.ok) throw new Error('build refused');
      return [entered, built.event, notice, left].map((e) => e.localOnly ?? false);
    };
    expect(await again()).toEqual([false, false, false, false]);
  });

  it('the log never holds the mark: events read back are as they were written, less localOnly', async () => {
    const r = await a.move(ROOM, '1', 's1', 'right');
    if (!r.ok) throw new Error('move refused');
    expect(r.event.localOnly).toBe(true);
    const [logged] = (await a.eventsSince(ROOM, r.event.seq - 1)) ?? [];
    expect(logged).toEqual({ seq: r.event.seq, json: r.event.json, epoch: r.event.epoch });
  });

  it('marks are per room', async () => {
    await a.cacheMap('r2', MAP);
    await b.markReader('r2');
    expect(await moveLocalOnly()).toBe(true);
  });

  it('without an instance id (the state alone) nothing is marked and no move claims to be localOnly', async () => {
    const bare = new RedisRoomState(redis, 100);
    expect(await bare.markReader(ROOM)).toBe(false);
    await bare.dropReader(ROOM);
    expect(await redis.exists(readersKey)).toBe(0);
    const r = await bare.move(ROOM, '1', 's1', 'right');
    expect(r.ok).toBe(true);
    expect(r.ok && r.event).not.toHaveProperty('localOnly');
  });
});

describe('reader marks in the memory room state (one process)', () => {
  it('has no other readers to track: marks are no-ops and moves say nothing of readers', async () => {
    const m = new MemoryRoomState(10);
    await m.cacheMap(ROOM, MAP);
    await m.enter(ROOM, player('1', 'i1'));
    expect(await m.markReader()).toBe(false);
    const r = await m.move(ROOM, '1', 's1', 'right');
    expect(r.ok).toBe(true);
    expect(r.ok && r.event).not.toHaveProperty('localOnly');
  });
});
