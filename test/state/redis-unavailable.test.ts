import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { UnavailableError } from '../../src/protocol/errors';
import { RedisPresenceStore } from '../../src/state/redis/redis-presence-store';
import { RedisRoomState } from '../../src/state/redis/redis-room-state';
import { deleteKeys, SERVICES } from '../support/server';
import { TcpProxy } from '../support/tcp-proxy';

/**
 * The Redis adapters say "unavailable" in the project's terms when ioredis cannot reach Redis,
 * whichever way ioredis reports it, and pass every other error on untouched.
 */
describe('Redis adapters when Redis is out of reach', () => {
  const clients: Redis[] = [];
  let proxy: TcpProxy;
  let prefix: string;

  beforeEach(async () => {
    proxy = await TcpProxy.start(Number(new URL(SERVICES.redis).port || 6379));
    prefix = `t:redis-down:${randomBytes(5).toString('hex')}:`;
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await proxy.close().catch(() => undefined);
    await deleteKeys(prefix);
  });

  /** Options as the server's client has them: one retry per command, then fail. */
  function client(port = proxy.port): Redis {
    const c = new Redis({
      host: '127.0.0.1',
      port,
      keyPrefix: prefix,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 50,
      disconnectTimeout: 100,
    });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  }

  async function unavailable(p: Promise<unknown>, cause: RegExp): Promise<void> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnavailableError);
    expect(((err as Error).cause as Error).message).toMatch(cause);
  }

  it('a command on a connection that was closed is UNAVAILABLE (ioredis: "Connection is closed.")', async () => {
    const redis = client();
    const state = new RedisRoomState(redis, 10);
    await state.ping();
    redis.disconnect();
    await unavailable(state.getMap('1'), /^Connection is closed\.$/);
    await unavailable(state.move('1', '7', 's7', 'right'), /^Connection is closed\.$/);
    await unavailable(new RedisPresenceStore(redis).isLeaseAlive('i1'), /^Connection is closed\.$/);
  });

  it('a command while Redis refuses connections is UNAVAILABLE once its retry runs out (ioredis: MaxRetriesPerRequestError)', async () => {
    const redis = client();
    const state = new RedisRoomState(redis, 10);
    await state.ping();
    await proxy.close(); // its port now refuses connections, as a stopped Redis's does
    await unavailable(state.eventsSince('1', 0), /max retries per request/);
    await unavailable(state.leave('1', '7', 's7', 'player', 'leave', 'i1'), /max retries per request/);
    await unavailable(new RedisPresenceStore(redis).registeredInstances(), /max retries per request/);
  });

  it('an error of Redis itself (here a key of the wrong type) is passed on as it is', async () => {
    const redis = client();
    await redis.hset('room:{1}:map', 'not', 'a string');
    const err = await new RedisRoomState(redis, 10).getMap('1').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).not.toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toMatch(/^WRONGTYPE/);
  });
});
