import { type AfterQueryEvent, DataSource, type EntitySubscriberInterface, EventSubscriber } from 'typeorm';
import { createConnection } from 'mysql2/promise';
import type { AppConfig } from '../config/config';
import { ENTITIES } from './entities';
import { InitSchema1764000000000 } from './migrations/1764000000000-InitSchema';
import { ChatLines1765000000000 } from './migrations/1765000000000-ChatLines';
import { RoomAccess1765100000000 } from './migrations/1765100000000-RoomAccess';
import { RoomHistory1766000000000 } from './migrations/1766000000000-RoomHistory';

export const MIGRATIONS = [
  InitSchema1764000000000,
  ChatLines1765000000000,
  RoomAccess1765100000000,
  RoomHistory1766000000000,
];

/**
 * The durable store: MySQL in services mode, an SQLite file (better-sqlite3) in embedded mode, with
 * the same entities and migrations. `synchronize` is never on: migrations own the schema.
 */
export function makeDataSource(config: AppConfig, flavor: SqlFlavor = 'mysql', bounded = true): DataSource {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    logging: ['error' as const],
  };
  if (config.mode === 'embedded') {
    // The driver creates the file's directory and turns foreign keys on. WAL lets `npm run seed`
    // or a SQLite shell read and write the file while the server runs.
    return new DataSource({
      type: 'better-sqlite3',
      database: config.sqlite.path,
      enableWAL: config.sqlite.path !== ':memory:',
      ...common,
    });
  }
  return new DataSource({
    // TypeORM reads MariaDB's schema metadata differently (e.g. NULL defaults): tell it which one.
    type: flavor,
    url: config.mysql.url,
    charset: 'utf8mb4',
    extra: { connectionLimit: 10 },
    ...common,
    // A black-holed MySQL answers nothing and resets nothing: without these bounds a request
    // would wait forever. The handshake of a new connection, and each query's reply, may take
    // MYSQL_TIMEOUT_MS; then the request fails as UNAVAILABLE (sql-errors.ts). Migrations, which
    // may rebuild a big table, run unbounded (`bounded` false).
    ...(bounded
      ? {
          connectTimeout: config.mysql.timeoutMs,
          enableQueryTimeout: true,
          maxQueryExecutionTime: config.mysql.timeoutMs,
          subscribers: [DropTimedOutConnections],
        }
      : {}),
  });
}

/**
 * mysql2 answers a timed-out query with an error but keeps the connection, with that query still
 * at the head of its queue: every later query given that pooled connection would wait behind a
 * reply that may never come, with no timer of its own yet. So a connection whose query timed out
 * is destroyed (it leaves the pool, and the pool opens a fresh one when needed).
 */
@EventSubscriber()
class DropTimedOutConnections implements EntitySubscriberInterface {
  afterQuery(event: AfterQueryEvent<unknown>): void {
    if ((event.error as { code?: unknown } | undefined)?.code !== 'PROTOCOL_SEQUENCE_TIMEOUT') return;
    const conn = (event.queryRunner as { databaseConnection?: { destroy?: () => void } }).databaseConnection;
    conn?.destroy?.();
  }
}

export type SqlFlavor = 'mysql' | 'mariadb';

/**
 * Creates the database named in MYSQL_URL when it does not exist yet (a fresh machine has none),
 * and tells whether the server is MySQL or MariaDB.
 */
export async function ensureMysqlDatabase(mysqlUrl: string, connectTimeoutMs?: number): Promise<SqlFlavor> {
  const url = new URL(mysqlUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new Error('MYSQL_URL must name a database, e.g. mysql://root@127.0.0.1:3306/myroom');
  if (!/^[A-Za-z0-9_$]+$/.test(database)) throw new Error(`unsupported database name "${database}"`);
  const conn = await createConnection({
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password || ''),
    connectTimeout: connectTimeoutMs,
  });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4`);
    const [rows] = await conn.query('SELECT VERSION() AS v');
    return /mariadb/i.test(String((rows as { v: string }[])[0]?.v)) ? 'mariadb' : 'mysql';
  } finally {
    await conn.end();
  }
}

/** Connects (creating the MySQL database or the SQLite file if missing) and brings the schema up to date. */
export async function openDatabase(config: AppConfig, runMigrations = config.runMigrations): Promise<DataSource> {
  if (config.mode === 'embedded') {
    // One connection only: a second one to an in-memory database would see another database.
    const ds = makeDataSource(config);
    await ds.initialize();
    if (runMigrations) await ds.runMigrations({ transaction: 'each' });
    return ds;
  }
  const flavor = await ensureMysqlDatabase(config.mysql.url, config.mysql.timeoutMs);
  if (runMigrations) {
    const migrator = makeDataSource(config, flavor, false);
    await migrator.initialize();
    try {
      await migrator.runMigrations({ transaction: 'each' });
    } finally {
      await migrator.destroy();
    }
  }
  const ds = makeDataSource(config, flavor);
  await ds.initialize();
  return ds;
}
