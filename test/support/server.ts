import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { startServer, type RunningServer } from '../../src/bootstrap';
import { mintToken } from '../../src/auth/mint';
import { type AppConfig, loadConfig, type Mode } from '../../src/config/config';
import { openDatabase } from '../../src/maps/data-source';
import { seedDemoData } from '../../src/maps/seed';
import { createLogger, type Logger } from '../../src/logging/logger';

/** The real services of the machine; each test server gets its own database and key prefix. */
export const SERVICES = {
  redis: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  mysqlRoot: process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306',
  rabbitmq: process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
};

export const TEST_JWT_SECRET = 'test-secret-0123456789-0123456789-abcdef';

export interface TestEnv {
  mode: Mode;
  /** Unique per test server: database name suffix, Redis key prefix, stream names. */
  tag: string;
  /** services mode: the MySQL database (created by the server, dropped by `dropAll`). */
  databaseUrl: string;
  keyPrefix: string;
  /** embedded mode: the SQLite file, in a temporary directory `dropAll` removes. */
  sqlitePath: string;
  dropAll(): Promise<void>;
}

/**
 * services mode: a fresh database and key prefix; `dropAll` removes both.
 * embedded mode: a fresh SQLite file in a temporary directory; `dropAll` removes the directory.
 */
export async function createTestEnv(mode: Mode = 'services'): Promise<TestEnv> {
  const tag = randomBytes(5).toString('hex');
  if (mode === 'embedded') {
    const dir = await mkdtemp(join(tmpdir(), `myroom-t-${tag}-`));
    return {
      mode,
      tag,
      databaseUrl: '',
      keyPrefix: `t:${tag}:`,
      sqlitePath: join(dir, 'myroom.sqlite'),
      async dropAll() {
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const database = `mr_t_${tag}`;
  const keyPrefix = `t:${tag}:`;
  return {
    mode,
    tag,
    databaseUrl: `${SERVICES.mysqlRoot}/${database}`,
    keyPrefix,
    sqlitePath: '',
    async dropAll() {
      const url = new URL(SERVICES.mysqlRoot);
      const conn = await createConnection({
        host: url.hostname,
        port: Number(url.port || 3306),
        user: url.username || 'root',
        password: url.password,
      });
      await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await conn.end();
      await deleteKeys(keyPrefix);
    },
  };
}

export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(SERVICES.redis);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface TestServer extends RunningServer {
  config: AppConfig;
  env: TestEnv;
  wsUrl: string;
  token(userId: string | number, name?: string): string;
  /** Shuts the server down and removes its database and keys. */
  close(): Promise<void>;
}

/**
 * Environment variables for a server on the test services (services mode) or on its own SQLite
 * file and nothing else (embedded mode), before any overrides.
 */
export function testServerEnv(env: TestEnv, overrides: Record<string, string> = {}): Record<string, string> {
  const backing: Record<string, string> =
    env.mode === 'embedded'
      ? { SQLITE_PATH: env.sqlitePath }
      : { REDIS_URL: SERVICES.redis, REDIS_KEY_PREFIX: env.keyPrefix, MYSQL_URL: env.databaseUrl };
  return {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // In-process test servers sit behind no gateway: nothing needs the readiness grace before close.
    DRAIN_GRACE_MS: '0',
    JWT_SECRET: TEST_JWT_SECRET,
    // The web client's demo sign-in (off by default in services mode); the API and browser tests use it.
    DEV_TOKENS: 'true',
    ...backing,
    ...overrides,
  };
}

/**
 * Starts the real app in this process on a random port, with demo data seeded: by the test in
 * services mode (as `npm run seed` would), by the server itself in embedded mode (as `npm start`
 * does). The mode is `shared`'s when given, else `mode`.
 */
export async function startTestServer(
  overrides: Record<string, string> = {},
  shared?: TestEnv,
  mode: Mode = 'services',
  /** The server's logger, e.g. one that captures its lines (log-capture.ts). */
  logger?: Logger,
): Promise<TestServer> {
  const env = shared ?? (await createTestEnv(mode));
  const config = loadConfig(testServerEnv(env, overrides));
  if (config.mode === 'services') {
    const ds = await openDatabase(config, true);
    await seedDemoData(ds, config.rooms.defaultWidth, config.rooms.defaultHeight);
    await ds.destroy();
  }
  let server: RunningServer;
  try {
    server = await startServer(config, logger ?? createLogger(config.logLevel, config.instanceId));
  } catch (err) {
    if (!shared) await env.dropAll();
    throw err;
  }
  return {
    ...server,
    config,
    env,
    wsUrl: `ws://127.0.0.1:${server.port}/ws`,
    token: (userId, name) => mintToken(TEST_JWT_SECRET, { userId: String(userId), name: name ?? `user${userId}` }),
    async close() {
      await server.shutdown();
      if (!shared) await env.dropAll();
    },
  };
}
