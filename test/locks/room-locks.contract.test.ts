import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { InProcessRoomLocks } from '../../src/locks/in-process-room-locks';
import { RedlockRoomLocks } from '../../src/locks/redlock-room-locks';
import type { RoomLocks } from '../../src/locks/room-locks.port';
import { asRedlockClient } from '../../src/state/redis/redlock-client';
import { RoomBusyError } from '../../src/protocol/errors';
import { deleteKeys, SERVICES } from '../support/server';

/** One contract, two adapters: Redlock on the real Redis, and the in-process mutex of the embedded mode. */

interface Adapter {
  name: string;
  open(): { locks: RoomLocks; close(): Promise<void> };
}

const ADAPTERS: Adapter[] = [
  {
    name: 'redlock',
    open() {
      const prefix = `t:locks:${randomBytes(5).toString('hex')}:`;
      const redis = new Redis(SERVICES.redis, { keyPrefix: prefix });
      // A lease far longer than the ~2 s Redlock spends retrying, so no test sees a lock expire.
      return {
        locks: new RedlockRoomLocks(asRedlockClient(redis), 30_000),
        async close() {
          redis.disconnect();
          await deleteKeys(prefix);
        },
      };
    },
  },
  {
    name: 'in-process',
    open() {
      return { locks: new InProcessRoomLocks(), async close() {} };
    },
  },
];

/** A promise the test settles by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
}

describe.each(ADAPTERS)('RoomLocks contract: $name', (adapter) => {
  let locks: RoomLocks;
  let close: () => Promise<void>;

  beforeEach(() => {
    ({ locks, close } = adapter.open());
  });
  afterEach(async () => {
    await close();
  });

  it('runs the callback and hands back its result', async () => {
    await expect(locks.withRoomLock('r1', async () => 42)).resolves.toBe(42);
  });

  it('lets one holder at a time into a room, however many ask at once', async () => {
    let inside = 0;
    let most = 0;
    let counter = 0;
    await Promise.all(
      Array.from({ length: 12 }, () =>
        locks.withRoomLock('r1', async () => {
          inside++;
          most = Math.max(most, inside);
          // A read-then-write across awaits: without mutual exclusion, increments get lost.
          const read = counter;
          await new Promise((r) => setImmediate(r));
          await Promise.resolve();
          counter = read + 1;
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(counter).toBe(12);
  });

  it('does not hold one room up for another', async () => {
    const held = gate();
    const first = locks.withRoomLock('r1', () => held.opened);
    // r2 is free while r1 is held: this completes before r1 is released.
    await expect(locks.withRoomLock('r2', async () => 'r2 done')).resolves.toBe('r2 done');
    held.open();
    await first;
  });

  it('releases the lock when the callback throws, and passes the error on', async () => {
    await expect(
      locks.withRoomLock('r1', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(locks.withRoomLock('r1', async () => 'next')).resolves.toBe('next');
  });

  it('a waiter gets the room once the holder is done', async () => {
    const held = gate();
    const order: string[] = [];
    const first = locks.withRoomLock('r1', async () => {
      order.push('first in');
      await held.opened;
      order.push('first out');
    });
    const second = locks.withRoomLock('r1', async () => {
      order.push('second in');
    });
    await new Promise((r) => setTimeout(r, 50));
    held.open();
    await Promise.all([first, second]);
    expect(order).toEqual(['first in', 'first out', 'second in']);
  });

  it('a caller that cannot get a busy room in time is told UNAVAILABLE (room busy), and never runs', async () => {
    const held = gate();
    const first = locks.withRoomLock('r1', () => held.opened);
    let ran = false;
    await expect(
      locks.withRoomLock('r1', async () => {
        ran = true;
      }),
    ).rejects.toBeInstanceOf(RoomBusyError);
    expect(ran).toBe(false);
    held.open();
    await first;
    await expect(locks.withRoomLock('r1', async () => 'free again')).resolves.toBe('free again');
  });
});

describe('RedlockRoomLocks when the connection to Redis drops while a lock is held', () => {
  it('releases the lock once Redis is back, instead of leaving the room locked for the rest of its TTL', async () => {
    const prefix = `t:locks:${randomBytes(5).toString('hex')}:`;
    const redis = new Redis(SERVICES.redis, { keyPrefix: prefix });
    const probe = new Redis(SERVICES.redis, { keyPrefix: prefix });
    try {
      // A TTL far longer than a waiter's retries: only the late release can let the next caller in.
      const locks = new RedlockRoomLocks(asRedlockClient(redis), 30_000);
      await locks.withRoomLock('r1', async () => {
        const ended = new Promise((r) => redis.once('end', r));
        redis.disconnect();
        await ended; // the release below cannot reach Redis
      });
      expect(locks.pendingReleases).toBe(1);
      expect(await probe.exists('lock:room:{r1}')).toBe(1);

      await redis.connect();
      await expect(locks.withRoomLock('r1', async () => 'locked again')).resolves.toBe('locked again');
      expect(locks.pendingReleases).toBe(0);
      expect(await probe.exists('lock:room:{r1}')).toBe(0);
    } finally {
      redis.disconnect();
      probe.disconnect();
      await deleteKeys(prefix);
    }
  });
});

describe('RedlockRoomLocks with many callers of one room', () => {
  let prefix: string;
  let redis: Redis;
  /** Scripts sent to Redis through the locks' client: Redlock's tries and releases. */
  let scripts: number;
  let client: ReturnType<typeof asRedlockClient>;

  beforeEach(() => {
    prefix = `t:locks:${randomBytes(5).toString('hex')}:`;
    redis = new Redis(SERVICES.redis, { keyPrefix: prefix });
    scripts = 0;
    const plain = asRedlockClient(redis);
    client = new Proxy(plain, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (typeof value !== 'function') return value;
        if (prop === 'evalsha' || prop === 'eval')
          return (...args: unknown[]) => {
            scripts++;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
  });
  afterEach(async () => {
    redis.disconnect();
    await deleteKeys(prefix);
  });

  /** `n` callers of room r1 at once, each holding it for a few ms; answers the order they got in. */
  async function burst(locks: RedlockRoomLocks, n: number, tag = ''): Promise<string[]> {
    const order: string[] = [];
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        locks.withRoomLock('r1', async () => {
          order.push(`${tag}${i}`);
          await new Promise((r) => setTimeout(r, 5));
        }),
      ),
    );
    return order;
  }

  it('lets the callers of one instance in in the order they asked, each trying Redis once', async () => {
    const locks = new RedlockRoomLocks(client, 30_000);
    await locks.withRoomLock('r1', async () => undefined); // loads Redlock's scripts into Redis
    scripts = 0;

    const order = await burst(locks, 20);

    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    // One try and one release each: waiting callers do not poll Redis.
    expect(scripts).toBe(40);
  });

  it('still lets one holder at a time in when two instances each have a queue of callers', async () => {
    const other = new Redis(SERVICES.redis, { keyPrefix: prefix });
    try {
      const a = new RedlockRoomLocks(client, 30_000);
      const b = new RedlockRoomLocks(asRedlockClient(other), 30_000);
      let inside = 0;
      let most = 0;
      let counter = 0;
      const hold = (locks: RedlockRoomLocks) =>
        locks.withRoomLock('r1', async () => {
          inside++;
          most = Math.max(most, inside);
          const read = counter;
          await new Promise((r) => setTimeout(r, 2));
          counter = read + 1;
          inside--;
        });
      await Promise.all(Array.from({ length: 16 }, (_, i) => hold(i % 2 ? a : b)));
      expect(most).toBe(1);
      expect(counter).toBe(16);
    } finally {
      other.disconnect();
    }
  });

  it('answers UNAVAILABLE (room busy) to callers queued behind a holder from another instance that does not let go', async () => {
    const other = new Redis(SERVICES.redis, { keyPrefix: prefix });
    try {
      const a = new RedlockRoomLocks(client, 30_000);
      const b = new RedlockRoomLocks(asRedlockClient(other), 30_000);
      const held = gate();
      const holding = gate();
      const holder = b.withRoomLock('r1', () => {
        holding.open();
        return held.opened;
      });
      await holding.opened;
      const started = Date.now();
      const waiting = await Promise.allSettled(
        Array.from({ length: 3 }, () => a.withRoomLock('r1', async () => 'ran')),
      );
      expect(waiting.map((w) => w.status)).toEqual(['rejected', 'rejected', 'rejected']);
      for (const w of waiting) expect((w as PromiseRejectedResult).reason).toBeInstanceOf(RoomBusyError);
      // Each within the one deadline (3 s, and one last short try), not one deadline after another.
      expect(Date.now() - started).toBeLessThan(6000);
      held.open();
      await holder;
      await expect(a.withRoomLock('r1', async () => 'free again')).resolves.toBe('free again');
    } finally {
      other.disconnect();
    }
  });
});
