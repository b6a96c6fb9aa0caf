import { randomUUID } from 'node:crypto';
import Redis, { type RedisOptions } from 'ioredis';
import { TurnCoalescingRedis } from '../../src/state/redis/turn-coalescing-redis';
import { deleteKeys, SERVICES } from '../support/server';

/**
 * The Redis client that sends a turn's commands in one write, on the real Redis: how many times
 * the client's socket is written to, and that every command still gets its own reply, in order,
 * whatever the turn (poll, immediate, microtask), across a pipeline, a script and a reconnect.
 */
describe('TurnCoalescingRedis', () => {
  const prefix = `test:coalesce:${randomUUID()}:`;
  const clients: Redis[] = [];

  async function open(kind: typeof Redis = TurnCoalescingRedis, options: RedisOptions = {}): Promise<Redis> {
    const redis = new kind(SERVICES.redis, { keyPrefix: prefix, maxRetriesPerRequest: 1, ...options });
    clients.push(redis);
    if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
    return redis;
  }

  /** Counts the write system calls the client's current socket is asked for. */
  function countWrites(redis: Redis): () => number {
    const socket = redis.stream as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
    const single = jest.spyOn(socket, '_write');
    const vector = jest.spyOn(socket, '_writev');
    return () => single.mock.calls.length + vector.mock.calls.length;
  }

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await deleteKeys(prefix);
  });

  it('sends the commands of one turn in one write, each answered in order', async () => {
    const redis = await open();
    const writes = countWrites(redis);
    const replies = Promise.all(Array.from({ length: 50 }, (_, i) => redis.incrby('counter', i + 1)));
    expect(redis.stream.writableCorked).toBe(1);
    expect(writes()).toBe(0);
    const totals = await replies;
    expect(writes()).toBe(1);
    // Each reply is its own command's: the running sums 1, 1+2, 1+2+3, ...
    expect(totals).toEqual(Array.from({ length: 50 }, (_, i) => ((i + 1) * (i + 2)) / 2));
    expect(redis.stream.writableCorked).toBe(0);
  });

  it('writes once per command without it (what the count above is measured against)', async () => {
    const redis = await open(Redis);
    const writes = countWrites(redis);
    await Promise.all(Array.from({ length: 10 }, (_, i) => redis.set(`plain:${i}`, String(i))));
    expect(writes()).toBe(10);
  });

  it('answers commands issued from an immediate, a microtask and a timer (no turn leaves one unsent)', async () => {
    const redis = await open();
    const fromImmediate = new Promise<string>((resolve, reject) =>
      setImmediate(() => redis.set('from-immediate', 'a').then(resolve, reject)),
    );
    const fromMicrotask = Promise.resolve().then(() => redis.set('from-microtask', 'b'));
    const fromTimer = new Promise<string>((resolve, reject) =>
      setTimeout(() => redis.set('from-timer', 'c').then(resolve, reject), 5),
    );
    // A command issued in the reply of another, i.e. in a later turn than the first.
    const chained = redis.set('chained', '1').then(() => redis.incr('chained'));
    expect(await Promise.all([fromImmediate, fromMicrotask, fromTimer, chained])).toEqual(['OK', 'OK', 'OK', 2]);
    expect(await redis.mget('from-immediate', 'from-microtask', 'from-timer', 'chained')).toEqual(['a', 'b', 'c', '2']);
  });

  it('keeps scripts, pipelines and transactions of the same turn in order', async () => {
    const redis = await open();
    redis.defineCommand('appendTwice', {
      numberOfKeys: 1,
      lua: "redis.call('APPEND', KEYS[1], ARGV[1]); return redis.call('APPEND', KEYS[1], ARGV[1])",
    });
    const script = (redis as unknown as { appendTwice(k: string, v: string): Promise<number> }).appendTwice;
    const [first, piped, multi, second] = await Promise.all([
      script.call(redis, 'log', 'a'),
      redis.pipeline().append('log', 'b').append('log', 'c').exec(),
      redis.multi().append('log', 'd').get('log').exec(),
      script.call(redis, 'log', 'e'),
    ]);
    expect(first).toBe(2);
    expect(piped).toEqual([
      [null, 3],
      [null, 4],
    ]);
    expect(multi).toEqual([
      [null, 5],
      [null, 'aabcd'],
    ]);
    expect(second).toBe(7);
    expect(await redis.get('log')).toBe('aabcdee');
  });

  it('corks the new socket after a reconnect, and answers there', async () => {
    const redis = await open();
    const before = redis.stream;
    await redis.set('across', 'old');
    redis.disconnect(true);
    await new Promise((resolve) => redis.once('ready', resolve));
    expect(redis.stream).not.toBe(before);
    const writes = countWrites(redis);
    expect(await Promise.all([redis.get('across'), redis.set('across', 'new'), redis.get('across')])).toEqual([
      'old',
      'OK',
      'new',
    ]);
    expect(writes()).toBe(1);
  });

  it('fails the commands of a turn whose connection was cut before it ended, and serves the next turn', async () => {
    // As the server's client is set: a command cut off is not sent again, and fails at its timeout.
    const redis = await open(TurnCoalescingRedis, { autoResendUnfulfilledCommands: false, commandTimeout: 500 });
    const lost = redis.set('cut', 'x');
    // Cut while the turn's command still sits in the corked socket.
    const reconnected = new Promise((resolve) => redis.once('ready', resolve));
    redis.stream.destroy();
    await expect(lost).rejects.toThrow(/timed out/);
    await reconnected;
    expect(await redis.set('cut', 'y')).toBe('OK');
    expect(await redis.get('cut')).toBe('y');
  });
});
