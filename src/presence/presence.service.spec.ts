import { loadConfig } from '../config/config';
import { createLogger } from '../logging/logger';
import type { RoomsService } from '../rooms/rooms.service';
import type { SessionRegistry } from '../rooms/session-registry';
import { MemoryPresenceStore } from '../state/memory-presence-store';
import { MemoryRoomState } from '../state/memory-room-state';
import type { SessionRecord } from '../state/room-state.port';
import { InstanceLease } from './instance-lease';
import { PresenceService } from './presence.service';

/**
 * The presence policy on the in-memory adapters (held to the Redis adapter's contract in
 * test/state/presence-store.contract.test.ts): no Redis, so each case runs in a few hundred ms.
 */
const TTL_MS = 500;
// Presence runs in services mode only; the URLs are never dialled here (the stores are in memory).
const loaded = loadConfig({
  REDIS_URL: 'redis://127.0.0.1:6379',
  MYSQL_URL: 'mysql://root@127.0.0.1:3306/test',
  JWT_SECRET: 'unit-secret-0123456789-0123456789-xyz',
  INSTANCE_ID: 'me',
  INSTANCE_LEASE_TTL_MS: String(TTL_MS),
  INSTANCE_HEARTBEAT_MS: '100',
  REAPER_INTERVAL_MS: '100',
  SHUTDOWN_TIMEOUT_MS: '1000',
  DRAIN_GRACE_MS: '0',
});
if (loaded.mode !== 'services') throw new Error('expected a services-mode config');
const config = loaded;
const log = createLogger('silent', 'me');

describe('PresenceService', () => {
  let state: MemoryRoomState;
  let store: MemoryPresenceStore;
  let lease: InstanceLease;
  let service: PresenceService;
  /** What the service asked the rooms to do, in order. */
  let calls: string[];
  let removed: (record: SessionRecord) => void;
  /** How many of the next restores fail (Redis blinking again, a session's write refused). */
  let failingRestores: number;

  beforeEach(async () => {
    state = new MemoryRoomState(10);
    await state.cacheMap('1', { version: 0, width: 5, height: 5, objects: [] });
    store = new MemoryPresenceStore(state);
    lease = new InstanceLease(store, 'me', TTL_MS, 100, log);
    calls = [];
    removed = () => undefined;
    failingRestores = 0;
    // The two things presence asks of the rooms: an orphan leaves (as RoomsService does it, minus
    // the publish), and every local session is dropped.
    const rooms = {
      async removeOrphan(r: SessionRecord, instanceId: string) {
        calls.push(`remove ${r.userId} of ${instanceId}`);
        await state.leave(r.roomId, r.userId, r.sessionId, r.role, 'timeout', instanceId);
        removed(r);
      },
      seatsLost() {
        calls.push('seats lost');
      },
      forgetLostSeats() {
        calls.push('forget lost seats');
      },
      async restoreSeats() {
        calls.push('restore seats');
        if (failingRestores-- > 0) throw new Error('a seat could not be restored');
        return 0;
      },
    } as unknown as RoomsService;
    const sessions = {
      abandonAll() {
        calls.push('abandon all');
      },
    } as unknown as SessionRegistry;
    service = new PresenceService(config, store, lease, state, log, rooms, sessions);
  });
  afterEach(async () => {
    await service.beforeApplicationShutdown();
    lease.stop();
  });

  const seat = (userId: string, instanceId: string) =>
    state.enter('1', {
      userId,
      name: `user${userId}`,
      sessionId: `s${userId}`,
      instanceId,
      role: 'player',
      spawn: { x: 0, y: 0 },
    });
  const members = async () =>
    (
      await state.enter('1', {
        userId: 'eye',
        name: 'eye',
        sessionId: 'eye',
        instanceId: 'x',
        role: 'spectator',
        spawn: { x: 0, y: 0 },
      })
    ).members
      .map((m) => m.userId)
      .sort();

  it('at start, takes the lease and removes what a previous incarnation with the same id left', async () => {
    await seat('7', 'me');
    await service.onApplicationBootstrap();
    expect(lease.held).toBe(true);
    expect(calls).toEqual(['remove 7 of me']);
    expect(await members()).toEqual([]);
    expect([...(await store.registeredInstances()).keys()]).toEqual(['me']);
  });

  it('reaps an instance whose lease ran out, once, and forgets it; a live instance is left alone', async () => {
    await store.acquireLease('dead', 'd1', 50);
    await store.acquireLease('alive', 'a1', 60_000);
    await seat('7', 'dead');
    await seat('8', 'dead');
    await seat('9', 'alive');
    const bothRemoved = new Promise<void>((resolve) => {
      let n = 0;
      removed = () => {
        if (++n === 2) resolve();
      };
    });
    await service.onApplicationBootstrap();
    await bothRemoved;
    await waitFor(async () => !(await store.registeredInstances()).has('dead'));
    expect(calls.sort()).toEqual(['remove 7 of dead', 'remove 8 of dead']);
    expect(await members()).toEqual(['9']);
    expect([...(await store.registeredInstances()).keys()].sort()).toEqual(['alive', 'me']);
  });

  it('when its own lease is lost, drops every local session, then serves again under a new epoch', async () => {
    await service.onApplicationBootstrap();
    const first = lease.current().epoch;
    const lost = new Promise<string>((resolve) => lease.onLost(resolve));
    await store.releaseLease('me', first); // what the TTL does while this instance stalls
    lease.reportFenced(); // a write of ours was refused: the lease checks itself at once
    await lost;
    await waitFor(async () => lease.held);
    expect(calls).toEqual(['abandon all']);
    expect(lease.current().epoch).not.toBe(first);
    expect((await store.registeredInstances()).get('me')).toBe(lease.current().epoch);
  });

  it('when its lease vanished with all the shared data (a new data epoch), keeps its sessions and restores its seats', async () => {
    await service.onApplicationBootstrap();
    const first = lease.current().epoch;
    const dataLost = new Promise<void>((resolve) => lease.onDataLost(resolve));
    // What a flush does: the lease is gone, and the data epoch is another one.
    jest.spyOn(store, 'dataEpoch').mockResolvedValue('after-the-flush');
    await store.releaseLease('me', first);
    lease.reportFenced();
    await dataLost;
    await waitFor(async () => lease.held && calls.includes('restore seats'));
    expect(calls).toEqual(['seats lost', 'restore seats']);
    expect(lease.current().epoch).not.toBe(first);
  });

  it('when restoring the seats fails, tries again under the lease it took, without dropping a session', async () => {
    await service.onApplicationBootstrap();
    const first = lease.current().epoch;
    const dataLost = new Promise<void>((resolve) => lease.onDataLost(resolve));
    jest.spyOn(store, 'dataEpoch').mockResolvedValue('after-the-flush');
    failingRestores = 1;
    await store.releaseLease('me', first);
    lease.reportFenced();
    await dataLost;
    await waitFor(async () => calls.filter((c) => c === 'restore seats').length === 2);
    const second = lease.current().epoch;
    expect(calls).toEqual(['seats lost', 'restore seats', 'restore seats']);
    expect(second).not.toBe(first);
    expect(lease.held).toBe(true);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  for (const started = Date.now(); !(await check());) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
