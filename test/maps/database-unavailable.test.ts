import Database from 'better-sqlite3';
import { DataSource, type Logger } from 'typeorm';
import { loadConfig, type ServicesConfig } from '../../src/config/config';
import { makeDataSource, openDatabase } from '../../src/maps/data-source';
import { MapStore } from '../../src/maps/map-store';
import { seedDemoData } from '../../src/maps/seed';
import { UnavailableError } from '../../src/protocol/errors';
import type { RoomMap } from '../../src/protocol/messages';
import { buildPlan } from '../support/build-plan';
import { createTestEnv, type TestEnv, testServerEnv } from '../support/server';
import { TcpProxy } from '../support/tcp-proxy';

/**
 * MapStore says "unavailable" in the project's terms when the database fails us (gone, or locked
 * by another writer), whatever the driver, and passes every other error on untouched.
 */
async function unavailable(p: Promise<unknown>, code: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UnavailableError);
  expect((err as Error & { cause: { code?: string } }).cause.code).toMatch(code);
}

/**
 * The failures these stores see are expected: no query log. `logging: false` is not enough, since
 * TypeORM always reports a query slower than `maxQueryExecutionTime`; and mysql2 (3.24) leaves the
 * reply timer of a query whose connection was lost running, so MYSQL_TIMEOUT_MS after a cut that
 * query "times out" once more and TypeORM reports it as slow. By then this file may have ended, and
 * Jest answers a log after a file's tests with `process.exitCode = 1`: a full run then exits 1 with
 * every test green (the guard in test/support/exit-code-guard.ts named the next file).
 */
const quiet: Logger = {
  logQuery: () => undefined,
  logQueryError: () => undefined,
  logQuerySlow: () => undefined,
  logSchemaBuild: () => undefined,
  logMigration: () => undefined,
  log: () => undefined,
};

describe('MapStore when MySQL goes away', () => {
  let env: TestEnv;
  let proxy: TcpProxy;
  let ds: DataSource;
  let store: MapStore;
  let proxiedConfig: ServicesConfig;

  beforeEach(async () => {
    env = await createTestEnv('services');
    const config = loadConfig(testServerEnv(env));
    if (config.mode !== 'services') throw new Error('expected a services-mode config');
    const setup = await openDatabase(config, true);
    await seedDemoData(setup, 20, 20);
    await setup.destroy();
    // The store reaches MySQL through a proxy the test can cut.
    const url = new URL(config.mysql.url);
    proxy = await TcpProxy.start(Number(url.port || 3306));
    url.port = String(proxy.port);
    const proxied: ServicesConfig = { ...config, mysql: { ...config.mysql, url: url.toString() } };
    ds = new DataSource({ ...makeDataSource(proxied).options, logger: quiet } as ConstructorParameters<
      typeof DataSource
    >[0]);
    await ds.initialize();
    store = new MapStore(ds, proxied);
    proxiedConfig = proxied;
  });
  afterEach(async () => {
    await proxy.close().catch(() => undefined);
    await ds.destroy().catch(() => undefined);
    await env.dropAll();
  });

  it('reads and transactions are UNAVAILABLE once the connection is lost and the server refuses new ones', async () => {
    expect((await store.findRoom('1'))?.ownerId).toBe('1');
    await proxy.close(); // cuts the pooled connections; the port refuses new ones
    await unavailable(store.findRoom('1'), /^(PROTOCOL_CONNECTION_LOST|ECONNREFUSED|ECONNRESET|EPIPE)$/);
    await unavailable(
      store.upsertUser({ userId: 'u-1', name: 'U' }),
      /^(PROTOCOL_CONNECTION_LOST|ECONNREFUSED|ECONNRESET|EPIPE)$/,
    );
    await unavailable(store.ping(), /^(PROTOCOL_CONNECTION_LOST|ECONNREFUSED|ECONNRESET|EPIPE)$/);
  });

  it('a black-holed connection: reads and transactions are UNAVAILABLE after MYSQL_TIMEOUT_MS, and work again once it heals', async () => {
    expect((await store.findRoom('1'))?.ownerId).toBe('1');
    // A store bounded at 500 ms on the same proxy (the suite's own store keeps the default).
    const bounded: ServicesConfig = { ...proxiedConfig, mysql: { ...proxiedConfig.mysql, timeoutMs: 500 } };
    const quick = new DataSource({ ...makeDataSource(bounded).options, logger: quiet } as ConstructorParameters<
      typeof DataSource
    >[0]);
    await quick.initialize();
    try {
      const quickStore = new MapStore(quick, bounded);
      expect((await quickStore.findRoom('1'))?.ownerId).toBe('1');
      proxy.stall(true);
      const started = performance.now();
      // The pooled connection's query times out; a new connection's handshake times out too.
      await unavailable(quickStore.findRoom('1'), /^(PROTOCOL_SEQUENCE_TIMEOUT|ETIMEDOUT)$/);
      await unavailable(quickStore.upsertUser({ userId: 'u-2', name: 'V' }), /^(PROTOCOL_SEQUENCE_TIMEOUT|ETIMEDOUT)$/);
      await unavailable(quickStore.ping(), /^(PROTOCOL_SEQUENCE_TIMEOUT|ETIMEDOUT)$/);
      expect(performance.now() - started).toBeLessThan(10_000);
      proxy.stall(false);
      expect((await quickStore.findRoom('1'))?.ownerId).toBe('1');
      await quickStore.upsertUser({ userId: 'u-2', name: 'V' });
    } finally {
      proxy.stall(false);
      await quick.destroy();
    }
  });

  it('an error that is not the database failing passes through as it is, and rolls the build back', async () => {
    const prev = (await store.findRoom('1'))!.map;
    const next: RoomMap = {
      ...prev,
      version: prev.version + 1,
      objects: [{ id: 'w', kind: 'wall', x: 1, y: 1, w: 1, h: 1 }],
    };
    const boom = new Error('boom');
    await expect(
      store.saveBuild(
        '1',
        buildPlan(prev, next, async () => {
          throw boom;
        }),
      ),
    ).rejects.toBe(boom);
    expect((await store.findRoom('1'))?.map).toEqual(prev);
  });
});

describe('MapStore when the SQLite file is locked by another writer', () => {
  let env: TestEnv;
  let ds: DataSource;
  let other: Database.Database;

  beforeEach(async () => {
    env = await createTestEnv('embedded');
    const config = loadConfig(testServerEnv(env));
    if (config.mode !== 'embedded') throw new Error('expected an embedded-mode config');
    await (await openDatabase(config, true)).destroy();
    // As the server opens it, but waiting only briefly for a busy file.
    ds = new DataSource({ ...makeDataSource(config).options, timeout: 50, logger: quiet } as ConstructorParameters<
      typeof DataSource
    >[0]);
    await ds.initialize();
    other = new Database(config.sqlite.path);
  });
  afterEach(async () => {
    other.close();
    await ds.destroy().catch(() => undefined);
    await env.dropAll();
  });

  it('a write while another connection holds the write lock is UNAVAILABLE (SQLITE_BUSY), and works once it is free', async () => {
    const store = new MapStore(ds, loadConfig(testServerEnv(env)));
    other.exec('BEGIN IMMEDIATE');
    await unavailable(store.upsertUser({ userId: 'u-1', name: 'U' }), /^SQLITE_BUSY/);
    other.exec('ROLLBACK');
    await store.upsertUser({ userId: 'u-1', name: 'U' });
    expect((await store.findRoom('u-1'))?.ownerId).toBe('u-1');
  });
});
