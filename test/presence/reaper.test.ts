import Redis from 'ioredis';
import { RedisPresenceStore } from '../../src/state/redis/redis-presence-store';
import { RedisRoomState } from '../../src/state/redis/redis-room-state';
import { eventually, joinAs } from '../support/room';
import { SERVICES, startTestServer, type TestServer } from '../support/server';

jest.setTimeout(30_000);

/**
 * The reaper of a live server against an instance that died: its lease runs out, and the server
 * removes its avatars with reason `timeout` (published like any event), then forgets it.
 */
describe('reaping a dead instance', () => {
  let server: TestServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await startTestServer({ REAPER_INTERVAL_MS: '100' });
    redis = new Redis(SERVICES.redis, { keyPrefix: server.env.keyPrefix });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.close();
  });

  it('the avatars of an instance whose lease ran out leave with `timeout`, and the instance is forgotten', async () => {
    const [owner, welcome] = await joinAs(server, 1, 1);
    // Another instance, as its room writes would have left it: registered, holding one avatar.
    const ghost = new RedisPresenceStore(redis);
    expect(await ghost.acquireLease('ghost', 'g1', 500)).toBe(true);
    await new RedisRoomState(redis, 100).enter('1', {
      userId: '5',
      name: 'user5',
      sessionId: 's-ghost',
      instanceId: 'ghost',
      role: 'player',
      spawn: { x: 3, y: 3 },
    });

    // It never renews: once the lease expires, the server's reaper removes the avatar.
    const left = await owner.next((f) => f.type === 'left' && f.userId === '5', 10_000);
    expect(left).toMatchObject({ reason: 'timeout', seq: welcome.seq + 2 });
    expect(owner.events().map((e) => e.type)).toEqual(['entered', 'left']);
    await eventually(async () => expect((await ghost.registeredInstances()).has('ghost')).toBe(false));
    expect((await ghost.registeredInstances()).has(server.config.instanceId)).toBe(true);
    await owner.close();
  });
});
