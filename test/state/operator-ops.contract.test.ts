import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { RoomMap } from '../../src/protocol/messages';
import { MemoryRoomState } from '../../src/state/memory-room-state';
import { FencedError, RedisRoomState } from '../../src/state/redis/redis-room-state';
import type { EnterParams, RoomStateStore, SeqEvent, WriteFence } from '../../src/state/room-state.port';
import { leaseKey } from '../../src/state/redis/redis-keys';
import { entering } from '../support/enter-params';
import { deleteKeys, SERVICES } from '../support/server';

/**
 * The room-state operations behind the operators' HTTP API (notices, reading a room without
 * entering it, finding an avatar's session), one contract for the Redis and the memory adapter.
 */

const LOG_LENGTH = 10;
const ROOM = 'r1';
const MAP: RoomMap = { version: 2, width: 5, height: 4, objects: [{ id: 'w1', kind: 'wall', x: 2, y: 2, w: 1, h: 1 }] };
const ADMIN = { userId: 'a1', name: 'Admin "One" ✓' };

const player = (userId: string, sessionId: string, instanceId = 'i1'): EnterParams =>
  entering(userId, sessionId, 'player', instanceId);
const body = (e: SeqEvent) => {
  const parsed = JSON.parse(e.json) as { seq: number };
  expect(parsed.seq).toBe(e.seq);
  return parsed;
};

interface Opened {
  store: RoomStateStore;
  close(): Promise<void>;
}

function openRedis(fence?: WriteFence): Opened & { redis: Redis } {
  const prefix = `t:ops:${randomBytes(5).toString('hex')}:`;
  const redis = new Redis(SERVICES.redis, { keyPrefix: prefix });
  return {
    redis,
    store: new RedisRoomState(redis, LOG_LENGTH, fence),
    async close() {
      redis.disconnect();
      await deleteKeys(prefix);
    },
  };
}

const ADAPTERS: { name: string; open(): Opened }[] = [
  { name: 'redis', open: () => openRedis() },
  { name: 'memory', open: () => ({ store: new MemoryRoomState(LOG_LENGTH), async close() {} }) },
];

describe.each(ADAPTERS)('operator operations of the room state: $name', (adapter) => {
  let store: RoomStateStore;
  let close: () => Promise<void>;
  beforeEach(async () => {
    ({ store, close } = adapter.open());
    await store.cacheMap(ROOM, MAP);
  });
  afterEach(async () => {
    await close();
  });

  it('a notice takes the next seq, is logged, and carries its text and author exactly', async () => {
    await store.enter(ROOM, player('1', 's1'));
    const text = 'Server restarts at 18:00 — "save" your games\n<b>ok</b>';
    const notice = await store.notice(ROOM, text, ADMIN);
    expect(notice.seq).toBe(2);
    expect(body(notice)).toEqual({ type: 'notice', roomId: ROOM, seq: 2, text, from: ADMIN });
    const moved = await store.move(ROOM, '1', 's1', 'right');
    expect(moved.ok && moved.event.seq).toBe(3);
    expect(await store.eventsSince(ROOM, 1)).toEqual([notice, (moved as { event: SeqEvent }).event]);
  });

  it('a notice changes nothing but the seq: members, map and spectators stay', async () => {
    await store.enter(ROOM, player('1', 's1'));
    const before = await store.readRoom(ROOM);
    await store.notice(ROOM, 'hello', ADMIN);
    expect(await store.readRoom(ROOM)).toEqual({ ...before, seq: before.seq + 1 });
  });

  it('concurrent notices and moves get distinct, consecutive seqs', async () => {
    await store.enter(ROOM, player('1', 's1'));
    const results = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => store.notice(ROOM, `n${i}`, ADMIN)),
      ...Array.from({ length: 5 }, (_, i) => store.move(ROOM, '1', 's1', i % 2 ? 'left' : 'right')),
    ]);
    const seqs = results.map((r) => ('seq' in r ? r.seq : r.ok ? r.event.seq : -1)).sort((a, b) => a - b);
    expect(seqs).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('a chat line takes the next seq, is logged, and keeps its text, author and time exactly', async () => {
    await store.enter(ROOM, player('1', 's1'));
    const line = {
      userId: '1',
      name: 'Zoë "Z" ✓',
      text: '<script>alert(1)</script> 👋 \\ "q"\nnext',
      at: '2025-01-02T03:04:05.678Z',
    };
    const said = await store.said(ROOM, line);
    expect(said.seq).toBe(2);
    expect(body(said)).toEqual({ type: 'said', roomId: ROOM, seq: 2, ...line });
    const before = await store.readRoom(ROOM);
    expect(before.seq).toBe(2);
    expect(before.members.map((m) => m.userId)).toEqual(['1']);
    const notice = await store.notice(ROOM, 'n', ADMIN);
    expect(await store.eventsSince(ROOM, 1)).toEqual([said, notice]);
  });

  it('concurrent chat lines and moves get distinct, consecutive seqs', async () => {
    await store.enter(ROOM, player('1', 's1'));
    const at = new Date(0).toISOString();
    const results = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => store.said(ROOM, { userId: '1', name: 'u', text: `l${i}`, at })),
      ...Array.from({ length: 5 }, (_, i) => store.move(ROOM, '1', 's1', i % 2 ? 'left' : 'right')),
    ]);
    const seqs = results.map((r) => ('seq' in r ? r.seq : r.ok ? r.event.seq : -1)).sort((a, b) => a - b);
    expect(seqs).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('reads the room as an enter would, without entering it', async () => {
    await store.enter(ROOM, player('1', 's1'));
    await store.enter(ROOM, player('2', 's2', 'i2'));
    await store.enter(ROOM, { ...player('3', 's3'), role: 'spectator' });
    const live = await store.readRoom(ROOM);
    expect(live.seq).toBe(2);
    expect(live.map).toEqual(MAP);
    expect(live.spectators).toBe(1);
    expect([...live.members].sort((a, b) => a.userId.localeCompare(b.userId)).map((m) => m.userId)).toEqual(['1', '2']);
    // Reading left no trace: the next event is still seq 3.
    expect((await store.notice(ROOM, 'x', ADMIN)).seq).toBe(3);
  });

  it('reads a room nobody entered and whose map is not cached as empty, at seq 0', async () => {
    expect(await store.readRoom('elsewhere')).toEqual({
      seq: 0,
      epoch: expect.any(String),
      map: null,
      members: [],
      spectators: 0,
    });
  });

  it('tells the last seq and map version of several rooms at once', async () => {
    await store.enter(ROOM, player('1', 's1'));
    await store.notice(ROOM, 'x', ADMIN);
    const heads = await store.roomHeads([ROOM, 'elsewhere']);
    expect(heads.get(ROOM)).toEqual({ seq: 2, version: 2 });
    expect(heads.get('elsewhere')).toEqual({ seq: 0, version: null });
  });

  it('finds the session and instance holding an avatar, and nothing for spectators or after a leave', async () => {
    await store.enter(ROOM, player('1', 's1', 'i7'));
    await store.enter(ROOM, { ...player('2', 's2'), role: 'spectator' });
    expect(await store.avatarSession(ROOM, '1')).toEqual({ sessionId: 's1', instanceId: 'i7' });
    expect(await store.avatarSession(ROOM, '2')).toBeNull();
    expect(await store.avatarSession(ROOM, '9')).toBeNull();
    await store.enter(ROOM, player('1', 's1b', 'i8'));
    expect(await store.avatarSession(ROOM, '1')).toEqual({ sessionId: 's1b', instanceId: 'i8' });
    await store.leave(ROOM, '1', 's1b', 'player', 'kicked');
    expect(await store.avatarSession(ROOM, '1')).toBeNull();
  });
});

describe('notice and chat fencing (redis)', () => {
  it('an instance whose lease no longer holds its epoch cannot append a notice or a chat line', async () => {
    let fencedReports = 0;
    const fence: WriteFence = {
      current: () => ({ instanceId: 'x', epoch: 'old-epoch' }),
      reportFenced: () => {
        fencedReports++;
      },
    };
    const { store, redis, close } = openRedis(fence);
    try {
      await redis.set(leaseKey('x'), 'new-epoch');
      await expect(store.notice(ROOM, 'late', ADMIN)).rejects.toBeInstanceOf(FencedError);
      expect(fencedReports).toBe(1);
      expect((await store.readRoom(ROOM)).seq).toBe(0);
      expect(await store.eventsSince(ROOM, 0)).toEqual([]);
      const line = { userId: 'u', name: 'u', text: 'late', at: new Date(0).toISOString() };
      await expect(store.said(ROOM, line)).rejects.toBeInstanceOf(FencedError);
      expect(fencedReports).toBe(2);
      expect((await store.readRoom(ROOM)).seq).toBe(0);
      await redis.set(leaseKey('x'), 'old-epoch');
      expect((await store.notice(ROOM, 'in time', ADMIN)).seq).toBe(1);
      expect((await store.said(ROOM, line)).seq).toBe(2);
    } finally {
      await close();
    }
  });
});
