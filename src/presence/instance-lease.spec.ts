import { createLogger } from '../logging/logger';
import type { PresenceStore } from '../state/presence-store.port';
import { MemoryPresenceStore } from '../state/memory-presence-store';
import { MemoryRoomState } from '../state/memory-room-state';
import { InstanceLease } from './instance-lease';

const TTL_MS = 600;
const HEARTBEAT_MS = 100;

describe('InstanceLease', () => {
  let store: MemoryPresenceStore;
  let lease: InstanceLease;

  beforeEach(() => {
    store = new MemoryPresenceStore(new MemoryRoomState(10));
    lease = new InstanceLease(store, 'me', TTL_MS, HEARTBEAT_MS, createLogger('silent', 'me'));
  });
  afterEach(() => lease.stop());

  it('a renewal never answered (sent on a connection that dropped) does not hold back the next ones', async () => {
    await lease.tryAcquire();
    const renew = store.renewLease.bind(store);
    let calls = 0;
    // The first renewal is caught by the dropped connection: no answer before its command
    // timeout, which is longer than the TTL. The reconnected connection answers the others.
    jest.spyOn(store, 'renewLease').mockImplementation((...args) => {
      if (++calls === 1) return new Promise<boolean>(() => undefined);
      return renew(...args);
    });
    const lost = jest.fn();
    lease.onLost(lost);
    lease.onDataLost(lost);

    await new Promise((r) => setTimeout(r, 3 * TTL_MS));
    expect(calls).toBeGreaterThan(2);
    expect(lost).not.toHaveBeenCalled();
    expect(lease.held).toBe(true);
    expect(await store.isLeaseAlive('me')).toBe(true);
  });

  it('still renews one at a time while renewals are answered within a heartbeat', async () => {
    await lease.tryAcquire();
    const renew = store.renewLease.bind(store);
    let inFlight = 0;
    let most = 0;
    jest.spyOn(store, 'renewLease').mockImplementation(async (...args) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, HEARTBEAT_MS / 5));
      inFlight--;
      return renew(...args);
    });
    await new Promise((r) => setTimeout(r, 5 * HEARTBEAT_MS));
    expect(most).toBe(1);
    expect(lease.held).toBe(true);
  });

  it('a renewal that comes more than half a TTL after the previous one is logged as late, with where the time went', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('warn', 'me', false, { write: (l: string) => void lines.push(JSON.parse(l)) });
    // A long TTL, so that a slow machine's timers cannot make the test's outage a lost lease.
    const ttlMs = 3000;
    const watched = new InstanceLease(store, 'me', ttlMs, HEARTBEAT_MS, log);
    try {
      await watched.tryAcquire();
      await new Promise((r) => setTimeout(r, 3 * HEARTBEAT_MS));
      expect(lines.filter((l) => l.msg !== undefined && String(l.msg).startsWith('lease renewed late'))).toEqual([]);

      // Redis refuses the renewals for 2 s: the first one answered after that is late.
      const renew: PresenceStore['renewLease'] = store.renewLease.bind(store);
      let failing = true;
      jest
        .spyOn(store, 'renewLease')
        .mockImplementation((...args) => (failing ? Promise.reject(new Error('connection lost')) : renew(...args)));
      await new Promise((r) => setTimeout(r, 2000));
      failing = false;
      await new Promise((r) => setTimeout(r, 2 * HEARTBEAT_MS));

      const late = lines.filter((l) => String(l.msg).startsWith('lease renewed late'));
      expect(late).toHaveLength(1);
      expect(late[0].sincePreviousMs).toBeGreaterThanOrEqual(2000);
      expect(late[0].sincePreviousMs).toBeLessThan(ttlMs);
      expect(late[0].answeredInMs).toBeLessThan(ttlMs);
      expect(late[0]).toMatchObject({ ttlMs, level: 40 });
      expect(watched.held).toBe(true);
    } finally {
      watched.stop();
    }
  });
});
