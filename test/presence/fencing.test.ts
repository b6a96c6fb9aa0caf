import Redis from 'ioredis';
import { createLogger } from '../../src/logging/logger';
import { InstanceLease } from '../../src/presence/instance-lease';
import type { RoomMap } from '../../src/protocol/messages';
import { leaseKey, REGISTRY_KEY } from '../../src/state/redis/redis-keys';
import { RedisPresenceStore } from '../../src/state/redis/redis-presence-store';
import { FencedError, RedisRoomState } from '../../src/state/redis/redis-room-state';
import { createTestEnv, SERVICES, type TestEnv } from '../support/server';

const MAP: RoomMap = { version: 0, width: 5, height: 5, objects: [] };
const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', 'fencing-test');

jest.setTimeout(30_000);

describe('instance lease and fenced room writes, on the real Redis', () => {
  let env: TestEnv;
  let redis: Redis;
  const leases: InstanceLease[] = [];

  beforeEach(async () => {
    env = await createTestEnv();
    redis = new Redis(SERVICES.redis, { keyPrefix: env.keyPrefix });
  });
  afterEach(async () => {
    for (const l of leases.splice(0)) l.stop();
    redis.disconnect();
    await env.dropAll();
  });

  function instance(id: string): { lease: InstanceLease; state: RedisRoomState } {
    const lease = new InstanceLease(new RedisPresenceStore(redis), id, 3000, 1000, log);
    leases.push(lease);
    return { lease, state: new RedisRoomState(redis, 100, lease) };
  }

  const enter = (state: RedisRoomState, userId: string, sessionId: string, instanceId: string) =>
    state.enter('1', { userId, name: `user${userId}`, sessionId, instanceId, role: 'player', spawn: { x: 0, y: 0 } });

  it('refuses every write before the lease is taken', async () => {
    const { state } = instance('i1');
    await state.cacheMap('1', MAP);
    await expect(enter(state, '7', 's1', 'i1')).rejects.toBeInstanceOf(FencedError);
    expect(await redis.get('room:{1}:seq')).toBeNull();
  });

  it('registers the instance, records its sessions per room, and renews the lease', async () => {
    const { lease, state } = instance('i1');
    const epoch = await lease.tryAcquire();
    expect(epoch).toBeDefined();
    expect(await redis.hget(REGISTRY_KEY, 'i1')).toBe(epoch);
    expect(Number(await redis.pttl(leaseKey('i1')))).toBeGreaterThan(2000);
    await state.cacheMap('1', MAP);
    await enter(state, '7', 's1', 'i1');
    expect(await state.sessionsOfInstance('i1')).toEqual([
      { sessionId: 's1', roomId: '1', userId: '7', role: 'player' },
    ]);
    await expect(state.move('1', '7', 's1', 'right')).resolves.toMatchObject({ ok: true, x: 1, y: 0 });
  });

  it('once the lease expired, a move changes nothing and the instance learns it lost the lease', async () => {
    const { lease, state } = instance('i1');
    await lease.tryAcquire();
    await state.cacheMap('1', MAP);
    await enter(state, '7', 's1', 'i1');
    const seq = await redis.get('room:{1}:seq');
    const lost = new Promise<string>((resolve) => lease.onLost(resolve));

    await redis.del(leaseKey('i1')); // what the TTL does when the instance stops renewing
    await expect(state.move('1', '7', 's1', 'right')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(state.leave('1', '7', 's1', 'player', 'leave', 'i1')).rejects.toBeInstanceOf(FencedError);
    expect(await lost).toMatch(/expired/);
    expect(lease.held).toBe(false);
    expect(await redis.get('room:{1}:seq')).toBe(seq);
    expect(JSON.parse((await redis.hget('room:{1}:members', '7'))!)).toMatchObject({ x: 0, y: 0 });
  });

  it('a stale incarnation cannot write after the same instance registered again', async () => {
    const old = instance('i1');
    await old.lease.tryAcquire();
    await old.state.cacheMap('1', MAP);
    await enter(old.state, '7', 's1', 'i1');

    // The process stalled past its lease; a new incarnation (same INSTANCE_ID) took a new epoch.
    const fresh = instance('i1');
    expect(await fresh.lease.tryAcquire()).toBeUndefined(); // not while the old lease lives
    await redis.del(leaseKey('i1')); // what the TTL does while the old process sleeps
    expect(await fresh.lease.tryAcquire()).toBeDefined();
    expect(old.lease.held).toBe(true); // it has not noticed yet
    await expect(old.state.move('1', '7', 's1', 'down')).rejects.toBeInstanceOf(FencedError);
    await expect(fresh.state.leave('1', '7', 's1', 'player', 'timeout', 'i1')).resolves.toMatchObject({ seq: 2 });
    await expect(enter(old.state, '8', 's2', 'i1')).rejects.toBeInstanceOf(FencedError);
    expect(await redis.hkeys('room:{1}:members')).toEqual([]);
  });

  it('release gives the lease up and unregisters an instance without sessions', async () => {
    const { lease } = instance('i1');
    await lease.tryAcquire();
    await lease.release();
    expect(await redis.exists(leaseKey('i1'))).toBe(0);
    expect(await redis.hget(REGISTRY_KEY, 'i1')).toBeNull();
  });
});
