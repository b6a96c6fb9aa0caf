import type { DataSource } from 'typeorm';
import { type AppConfig, loadConfig } from '../../src/config/config';
import { openDatabase } from '../../src/maps/data-source';
import { MapStore } from '../../src/maps/map-store';
import { seedDemoData } from '../../src/maps/seed';
import { ConflictError } from '../../src/protocol/errors';
import type { RoomMap } from '../../src/protocol/messages';
import { buildPlan, refuseObjectsInColumnSql } from '../support/build-plan';
import { MODES } from '../support/modes';
import { createTestEnv, type TestEnv, testServerEnv } from '../support/server';

/**
 * The durable store on both databases: MySQL (services mode) and the SQLite file (embedded mode)
 * run the same migrations and must give MapStore the same answers.
 */
describe.each(MODES)('MapStore on the %s database', (mode) => {
  let env: TestEnv;
  let config: AppConfig;
  let ds: DataSource;
  let store: MapStore;

  beforeEach(async () => {
    env = await createTestEnv(mode);
    config = loadConfig(testServerEnv(env));
    ds = await openDatabase(config, true);
    await seedDemoData(ds, 20, 20);
    store = new MapStore(ds, config);
  });
  afterEach(async () => {
    await ds.destroy();
    await env.dropAll();
  });

  const wallAt = (id: string, x: number, y: number) => ({ id, kind: 'wall', x, y, w: 1, h: 1 });

  it('runs every migration, and a second run finds nothing to do', async () => {
    expect(await ds.showMigrations()).toBe(false);
    expect(await ds.runMigrations()).toEqual([]);
  });

  it('enforces foreign keys', async () => {
    await expect(ds.query(`INSERT INTO library (user_id, game_id) VALUES ('nobody', 1)`)).rejects.toThrow();
    await expect(
      ds.query(`INSERT INTO map_objects (room_id, id, kind, x, y, w, h) VALUES ('nowhere', 'o1', 'wall', 0, 0, 1, 1)`),
    ).rejects.toThrow();
  });

  it('seeding twice leaves the same rows, and rooms keep their maps', async () => {
    const before = await store.findRoom('1');
    await store.saveBuild('1', buildPlan(before!.map, { ...before!.map, version: 1, objects: [wallAt('w', 3, 3)] }));
    await seedDemoData(ds, 20, 20);
    const counts = await Promise.all(
      ['users', 'games', 'library', 'rooms'].map(async (t) =>
        Number((await ds.query(`SELECT COUNT(*) AS n FROM ${t}`))[0].n),
      ),
    );
    expect(counts).toEqual([10, 20, 30, 10]);
    expect((await store.findRoom('1'))?.map).toEqual({
      version: 1,
      width: 20,
      height: 20,
      objects: [wallAt('w', 3, 3)],
    });
    expect(await store.ownedGameIds('1')).toEqual(new Set([1, 2, 3]));
    expect(await store.ownedGameIds('10')).toEqual(new Set([10, 11, 12]));
    expect((await store.games([2, 19])).map((g) => g.name)).toEqual(['Go', "Nine Men's Morris"]);
  });

  it('upsertUser creates a user with a room, renames on a later call, never duplicates', async () => {
    await store.upsertUser({ userId: 'alice', name: 'Alice' });
    await store.upsertUser({ userId: 'alice', name: 'Alice B.' });
    await new MapStore(ds, config).upsertUser({ userId: 'alice', name: 'Alice C.' });
    const users = await ds.query(`SELECT name FROM users WHERE id = 'alice'`);
    expect(users).toEqual([{ name: 'Alice C.' }]);
    expect(await store.findRoom('alice')).toEqual({
      id: 'alice',
      ownerId: 'alice',
      map: { version: 0, width: 20, height: 20, objects: [] },
    });
  });

  it('upsertUser of many users at once creates each, with their rooms', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.upsertUser({ userId: `u${i}`, name: `U ${i}` })));
    const n = Number((await ds.query(`SELECT COUNT(*) AS n FROM rooms WHERE id LIKE 'u%'`))[0].n);
    expect(n).toBe(20);
  });

  it('saveBuild writes the objects and the version; a stale base version is a CONFLICT', async () => {
    const prev = (await store.findRoom('2'))!.map;
    const next: RoomMap = {
      ...prev,
      version: 1,
      objects: [wallAt('a', 1, 1), { id: 'g', kind: 'game', x: 4, y: 4, w: 2, h: 2, gameId: 3 }],
    };
    await store.saveBuild('2', buildPlan(prev, next));
    expect((await store.findRoom('2'))?.map).toEqual(next);
    const removed: RoomMap = { ...next, version: 2, objects: [next.objects[1]] };
    await store.saveBuild('2', buildPlan(next, removed));
    expect((await store.findRoom('2'))?.map).toEqual(removed);
    const err = await store.saveBuild('2', buildPlan(next, { ...next, version: 2 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).extra).toEqual({ version: 2 });
  });

  it('a build whose last step fails is rolled back entirely', async () => {
    const prev = (await store.findRoom('3'))!.map;
    await expect(
      store.saveBuild(
        '3',
        buildPlan(prev, { ...prev, version: 1, objects: [wallAt('x', 0, 1)] }, async () => {
          throw new Error('cache refused');
        }),
      ),
    ).rejects.toThrow('cache refused');
    expect((await store.findRoom('3'))?.map).toEqual(prev);
  });

  it('when the object rows fail, saveBuild waits for the cache half to settle before it throws, and stores nothing', async () => {
    await ds.query(refuseObjectsInColumnSql(mode, 17));
    const prev = (await store.findRoom('3'))!.map;
    let cacheSettled = false;
    const slowCache = async () => {
      await new Promise((r) => setTimeout(r, 50));
      cacheSettled = true;
    };
    const failed = store.saveBuild(
      '3',
      buildPlan(prev, { ...prev, version: 1, objects: [wallAt('x', 17, 1)] }, slowCache),
    );
    await expect(failed.then(() => cacheSettled)).rejects.toThrow('refused');
    expect(cacheSettled).toBe(true);
    expect((await store.findRoom('3'))?.map).toEqual(prev);
  });

  it('concurrent builds in two rooms stay independent when one of them fails', async () => {
    // SQLite has one connection: unless transactions take turns, the second would become a
    // savepoint inside the first and vanish with the first one's rollback.
    let failFirst!: (err: Error) => void;
    const firstFails = new Promise<void>((_, reject) => {
      failFirst = reject;
    });
    const prev4 = (await store.findRoom('4'))!.map;
    const prev5 = (await store.findRoom('5'))!.map;
    const first = store.saveBuild(
      '4',
      buildPlan(prev4, { ...prev4, version: 1, objects: [wallAt('a', 1, 1)] }, () => firstFails),
    );
    const second = store.saveBuild('5', buildPlan(prev5, { ...prev5, version: 1, objects: [wallAt('b', 2, 2)] }));
    // Give the second build every chance to run as far as it can before the first one fails.
    await new Promise((r) => setTimeout(r, 50));
    failFirst(new Error('first fails'));
    await expect(first).rejects.toThrow('first fails');
    await second;
    expect((await store.findRoom('4'))?.map).toEqual(prev4);
    expect((await store.findRoom('5'))?.map).toEqual({ ...prev5, version: 1, objects: [wallAt('b', 2, 2)] });
  });

  it('answers a ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
