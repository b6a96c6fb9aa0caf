import type { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/config';
import { openDatabase } from '../../src/maps/data-source';
import { HistoryStore, type LoggedEvent } from '../../src/maps/history-store';
import { MapStore } from '../../src/maps/map-store';
import type { Member, RoomMap } from '../../src/protocol/messages';
import { MODES } from '../support/modes';
import { createTestEnv, type TestEnv, testServerEnv } from '../support/server';

/**
 * The replay timeline's store on both databases: snapshots found by seq and by time, events read
 * forward in pages, and pruning that forgets what is older than the retention while every later
 * point stays rebuildable.
 */
describe.each(MODES)('HistoryStore on the %s database', (mode) => {
  let env: TestEnv;
  let ds: DataSource;
  let store: HistoryStore;

  beforeAll(async () => {
    env = await createTestEnv(mode);
    const config = loadConfig(testServerEnv(env));
    ds = await openDatabase(config, true);
    store = new HistoryStore(ds, new MapStore(ds, config));
  });
  afterAll(async () => {
    await ds?.destroy();
    await env.dropAll();
  });

  const map = (version: number): RoomMap => ({ version, width: 4, height: 4, objects: [] });
  const member = (x: number): Member => ({ userId: 'u', name: 'u', x, y: 0, role: 'player' });
  const event = (roomId: string, seq: number, at: number): LoggedEvent => ({
    roomId,
    epoch: null,
    seq,
    at,
    json: JSON.stringify({ type: 'moved', roomId, seq, userId: 'u', x: seq, y: 0, dir: 'right' }),
  });
  const snapshot = (roomId: string, seq: number, at: number) =>
    store.saveSnapshot({ roomId, epoch: null, seq, at, map: map(seq), members: [member(seq)] });

  it('finds the latest snapshot at or before a seq or a time, and reads events forward in pages', async () => {
    // Times beyond 2^32 ms (BIGINT) and a built event longer than 64 KiB (MEDIUMTEXT on MySQL).
    const t0 = 1_800_000_000_000;
    await snapshot('a', 10, t0 + 10);
    await snapshot('a', 20, t0 + 20);
    const big = { ...event('a', 21, t0 + 21), json: JSON.stringify({ type: 'built', pad: 'x'.repeat(70_000) }) };
    await store.append([...Array.from({ length: 10 }, (_, i) => event('a', 11 + i, t0 + 11 + i)), big]);

    expect(await store.snapshotBefore('a', { seq: 9 })).toBeNull();
    expect(await store.snapshotBefore('a', { seq: 15 })).toMatchObject({ seq: 10, at: t0 + 10, map: map(10) });
    expect(await store.snapshotBefore('a', { seq: 20 })).toMatchObject({ seq: 20, members: [member(20)] });
    expect(await store.snapshotBefore('a', { at: t0 + 19 })).toMatchObject({ seq: 10 });
    expect(await store.snapshotBefore('b', { seq: 100 })).toBeNull();
    expect(await store.earliest('a')).toEqual({ seq: 10, at: t0 + 10 });
    expect(await store.latest('a')).toEqual({ seq: 21, at: t0 + 21 });

    const first = await store.eventsAfter('a', null, 10, 4);
    expect(first.map((e) => e.seq)).toEqual([11, 12, 13, 14]);
    const rest = await store.eventsAfter('a', null, 14, 100);
    expect(rest.map((e) => e.seq)).toEqual([15, 16, 17, 18, 19, 20, 21]);
    expect(rest[6].json).toBe(big.json);
    expect(await store.eventsAfter('a', 'another-epoch', 10, 100)).toEqual([]);
  });

  it('writes a batch whole, in order, or not at all', async () => {
    const t0 = 2_000_000_000_000;
    // 141 rows: on MySQL prepared INSERTs of 128, 8, 4 and 1 rows.
    await store.append(Array.from({ length: 141 }, (_, i) => event('w', i + 1, t0 + i)));
    const written = await store.eventsAfter('w', null, 0, 1000);
    expect(written.map((e) => e.seq)).toEqual(Array.from({ length: 141 }, (_, i) => i + 1));
    expect(written[140]).toEqual(event('w', 141, t0 + 140));

    // The batch's last row breaks a NOT NULL column: its first 140 rows are not kept either.
    const broken = Array.from({ length: 141 }, (_, i) => event('x', i + 1, t0 + i));
    broken[140] = { ...broken[140], json: null as unknown as string };
    await expect(store.append(broken)).rejects.toThrow();
    expect(await store.eventsAfter('x', null, 0, 1000)).toEqual([]);
    // The store goes on writing after the failed batch.
    await store.append([event('x', 1, t0)]);
    expect((await store.eventsAfter('x', null, 0, 1000)).map((e) => e.seq)).toEqual([1]);
  });

  it('prunes what is older than the cutoff but keeps the newest snapshot before it and all after', async () => {
    const t0 = 1_900_000_000_000;
    for (const s of [0, 100, 200]) await snapshot('p', s, t0 + s);
    await store.append(Array.from({ length: 300 }, (_, i) => event('p', i + 1, t0 + i + 1)));
    // Another room, all of it newer than the cutoff: untouched.
    await snapshot('q', 5, t0 + 1000);
    await store.append([event('q', 6, t0 + 1001)]);

    // 150 snapshots-worth back: snapshot 100 is the newest at or before it, so it stays.
    const deleted = await store.prune(t0 + 150);
    // Room p: events 1-100 and snapshot 0. Room a (the test above, all older): snapshot 10 and
    // events 11-20; its snapshot 20 is its newest before the cutoff and stays, with event 21.
    expect(deleted).toBe(100 + 1 + 11);
    expect(await store.earliest('a')).toEqual({ seq: 20, at: 1_800_000_000_020 });
    expect((await store.eventsAfter('a', null, 0, 100)).map((e) => e.seq)).toEqual([21]);
    expect(await store.earliest('p')).toEqual({ seq: 100, at: t0 + 100 });
    expect((await store.eventsAfter('p', null, 0, 1000)).map((e) => e.seq)[0]).toBe(101);
    expect(await store.snapshotBefore('p', { seq: 150 })).toMatchObject({ seq: 100 });
    expect(await store.earliest('q')).toEqual({ seq: 5, at: t0 + 1000 });
    // Nothing more to do at the same cutoff.
    expect(await store.prune(t0 + 150)).toBe(0);
  });

  it("writes a batch's snapshots in its events' transaction: both, or neither", async () => {
    const t0 = 2_000_000_000_000;
    const row = (seq: number) => ({
      roomId: 's',
      epoch: null,
      seq,
      at: t0 + seq,
      map: map(seq),
      members: [member(seq)],
    });
    await store.append([event('s', 1, t0 + 1), event('s', 2, t0 + 2)], [row(2)]);
    expect(await store.snapshotBefore('s', { seq: 2 })).toMatchObject({ seq: 2, map: map(2), members: [member(2)] });
    expect((await store.eventsAfter('s', null, 0, 10)).map((e) => e.seq)).toEqual([1, 2]);

    // Snapshots alone (no event since the last batch) are written too.
    await store.append([], [row(3)]);
    expect(await store.snapshotBefore('s', { seq: 3 })).toMatchObject({ seq: 3 });

    // An event the database refuses (no text): the snapshot of that batch is not kept either.
    const refused = { ...event('s', 4, t0 + 4), json: null as unknown as string };
    await expect(store.append([refused], [row(4)])).rejects.toThrow();
    expect(await store.snapshotBefore('s', { seq: 4 })).toMatchObject({ seq: 3 });
  });
});
