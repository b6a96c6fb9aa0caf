import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { RoomMap } from '../../src/protocol/messages';
import { MemoryPresenceStore } from '../../src/state/memory-presence-store';
import { MemoryRoomState } from '../../src/state/memory-room-state';
import type { PresenceStore } from '../../src/state/presence-store.port';
import { RedisPresenceStore } from '../../src/state/redis/redis-presence-store';
import { RedisRoomState } from '../../src/state/redis/redis-room-state';
import type { RoomStateStore } from '../../src/state/room-state.port';
import { eventually } from '../support/room';
import { deleteKeys, SERVICES } from '../support/server';

/**
 * One contract, two adapters: leases, the registry of instances and the reaping of dead ones, on
 * the real Redis (under a key prefix of its own) and in process memory. Session records are made
 * through the room state beside each store, as the rooms make them.
 */

interface Adapter {
  name: string;
  open(): { presence: PresenceStore; state: RoomStateStore; close(): Promise<void> };
}

const ADAPTERS: Adapter[] = [
  {
    name: 'redis',
    open() {
      const prefix = `t:presence:${randomBytes(5).toString('hex')}:`;
      const redis = new Redis(SERVICES.redis, { keyPrefix: prefix });
      return {
        presence: new RedisPresenceStore(redis),
        state: new RedisRoomState(redis, 10),
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
      const state = new MemoryRoomState(10);
      return { presence: new MemoryPresenceStore(state), state, async close() {} };
    },
  },
];

const LONG = 30_000;
/** Short enough to wait out, long enough that the calls right after taking it still see it. */
const SHORT = 300;
const MAP: RoomMap = { version: 0, width: 5, height: 5, objects: [] };

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
}

describe.each(ADAPTERS)('PresenceStore contract: $name', (adapter) => {
  let presence: PresenceStore;
  let state: RoomStateStore;
  let close: () => Promise<void>;

  beforeEach(async () => {
    ({ presence, state, close } = adapter.open());
    await state.cacheMap('1', MAP);
  });
  afterEach(async () => {
    await close();
  });

  const seat = (userId: string, sessionId: string, instanceId: string) =>
    state.enter('1', { userId, name: `user${userId}`, sessionId, instanceId, role: 'player', spawn: { x: 0, y: 0 } });
  const expired = (instanceId: string) =>
    eventually(async () => expect(await presence.isLeaseAlive(instanceId)).toBe(false));

  describe('lease', () => {
    it('taking it registers the instance under its epoch; nobody else takes it while it lives', async () => {
      expect(await presence.isLeaseAlive('i1')).toBe(false);
      expect(await presence.acquireLease('i1', 'e1', LONG)).toBe(true);
      expect(await presence.isLeaseAlive('i1')).toBe(true);
      expect(await presence.registeredInstances()).toEqual(new Map([['i1', 'e1']]));
      expect(await presence.acquireLease('i1', 'e2', LONG)).toBe(false);
      expect(await presence.acquireLease('i1', 'e1', LONG)).toBe(false);
      expect(await presence.registeredInstances()).toEqual(new Map([['i1', 'e1']]));
      expect(await presence.acquireLease('i2', 'e9', LONG)).toBe(true);
      expect(await presence.registeredInstances()).toEqual(
        new Map([
          ['i1', 'e1'],
          ['i2', 'e9'],
        ]),
      );
    });

    it('only the holding epoch renews it; renewing keeps it alive past its first TTL', async () => {
      await presence.acquireLease('i1', 'e1', SHORT);
      expect(await presence.renewLease('i1', 'e2', LONG)).toBe(false);
      expect(await presence.renewLease('i1', 'e1', LONG)).toBe(true);
      await new Promise((r) => setTimeout(r, SHORT * 2));
      expect(await presence.isLeaseAlive('i1')).toBe(true);
    });

    it('once it expired it cannot be renewed, and a new incarnation takes it under a new epoch', async () => {
      await presence.acquireLease('i1', 'e1', SHORT);
      await expired('i1');
      expect(await presence.renewLease('i1', 'e1', LONG)).toBe(false);
      expect(await presence.registeredInstances()).toEqual(new Map([['i1', 'e1']])); // dead, not yet forgotten
      expect(await presence.acquireLease('i1', 'e2', LONG)).toBe(true);
      expect(await presence.registeredInstances()).toEqual(new Map([['i1', 'e2']]));
    });

    it('release gives it up and unregisters an instance that holds no sessions', async () => {
      await presence.acquireLease('i1', 'e1', LONG);
      await presence.releaseLease('i1', 'e1');
      expect(await presence.isLeaseAlive('i1')).toBe(false);
      expect(await presence.registeredInstances()).toEqual(new Map());
    });

    it('release keeps the registration while sessions remain, so a reaper removes them', async () => {
      await presence.acquireLease('i1', 'e1', LONG);
      await seat('7', 's7', 'i1');
      await presence.releaseLease('i1', 'e1');
      expect(await presence.isLeaseAlive('i1')).toBe(false);
      expect(await presence.registeredInstances()).toEqual(new Map([['i1', 'e1']]));
    });

    it('a stale epoch releases nothing of a newer incarnation', async () => {
      await presence.acquireLease('i1', 'e1', SHORT);
      await expired('i1');
      await presence.acquireLease('i1', 'e2', LONG);
      await presence.releaseLease('i1', 'e1');
      expect(await presence.isLeaseAlive('i1')).toBe(true);
      expect(await presence.registeredInstances()).toEqual(new Map([['i1', 'e2']]));
    });
  });

  describe('reaping a dead instance', () => {
    it('its sessions are readable only once its lease is gone', async () => {
      await presence.acquireLease('i1', 'e1', SHORT);
      await seat('7', 's7', 'i1');
      await seat('8', 's8', 'i2');
      expect(await presence.sessionsOfDeadInstance('i1')).toBeNull();
      await expired('i1');
      expect(await presence.sessionsOfDeadInstance('i1')).toEqual([
        { sessionId: 's7', roomId: '1', userId: '7', role: 'player' },
      ]);
      expect(await presence.sessionsOfDeadInstance('nobody')).toEqual([]);
    });

    it('is forgotten once its sessions are removed, and not before', async () => {
      await presence.acquireLease('i1', 'e1', SHORT);
      await seat('7', 's7', 'i1');
      await expired('i1');
      expect(await presence.forgetDeadInstance('i1', 'e1')).toBe(false);
      expect(await presence.registeredInstances()).toEqual(new Map([['i1', 'e1']]));
      await state.leave('1', '7', 's7', 'player', 'timeout', 'i1');
      expect(await presence.forgetDeadInstance('i1', 'e1')).toBe(true);
      expect(await presence.registeredInstances()).toEqual(new Map());
    });

    it('an instance alive again is not forgotten; a dead newer incarnation keeps its own registration', async () => {
      await presence.acquireLease('i1', 'e1', SHORT);
      await expired('i1');
      await presence.acquireLease('i1', 'e2', SHORT);
      expect(await presence.forgetDeadInstance('i1', 'e1')).toBe(false);
      await expired('i1');
      expect(await presence.forgetDeadInstance('i1', 'e1')).toBe(true);
      expect(await presence.registeredInstances()).toEqual(new Map([['i1', 'e2']]));
    });

    it('one reaper at a time holds the claim on an instance; the others skip it without waiting', async () => {
      const held = gate();
      let ran = 0;
      const first = presence.withReapClaim('i1', LONG, async () => {
        ran++;
        await held.opened;
        return 'first';
      });
      await eventually(() => expect(ran).toBe(1));
      expect(
        await presence.withReapClaim('i1', LONG, async () => {
          ran++;
          return 'second';
        }),
      ).toBeUndefined();
      expect(await presence.withReapClaim('i2', LONG, async () => 'other instance')).toBe('other instance');
      held.open();
      expect(await first).toBe('first');
      expect(ran).toBe(1);
      expect(await presence.withReapClaim('i1', LONG, async () => 'free again')).toBe('free again');
    });

    it('a reap that throws gives the claim back and passes the error on', async () => {
      await expect(
        presence.withReapClaim('i1', LONG, async () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await presence.withReapClaim('i1', LONG, async () => 'next')).toBe('next');
    });
  });
});
