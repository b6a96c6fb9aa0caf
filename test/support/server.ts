import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { startServer, type RunningServer } from '../../src/bootstrap';
import { mintToken } from '../../src/auth/token.service';
import { type AppConfig, loadConfig } from '../../src/config/config';
import { openDatabase } from '../../src/maps/data-source';
import { seedDemoData } from '../../src/maps/seed';
import { createLogger } from '../../src/logging/logger';

/** The real services of the machine; each test server gets its own database and key prefix. */
export const SERVICES = {
  redis: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  mysqlRoot: process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306',
  rabbitmq: process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
};

export const TEST_JWT_SECRET = 'test-secret-0123456789-0123456789-abcdef';

export interface TestEnv {
  /** Unique per test server: database name suffix, Redis key prefix, stream names. */
  tag: string;
  databaseUrl: string;
  keyPrefix: string;
  dropAll(): Promise<void>;
}

/** A fresh database and key prefix; `dropAll` removes both. */
export async function createTestEnv(): Promise<TestEnv> {
  const tag = randomBytes(5).toString('hex');
  const database = `mr_t_${tag}`;
  const keyPrefix = `t:${tag}:`;
  return {
    tag,
    databaseUrl: `${SERVICES.mysqlRoot}/${database}`,
    keyPrefix,
    async dropAll() {
      const url = new URL(SERVICES.mysqlRoot);
      const conn = await createConnection({ host: url.hostname, port: Number(url.port || 3306), user: url.username || 'root', password: url.password });
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

/** Environment variables for a server on the test services, before any overrides. */
export function testServerEnv(env: TestEnv, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    REDIS_URL: SERVICES.redis,
    REDIS_KEY_PREFIX: env.keyPrefix,
    MYSQL_URL: env.databaseUrl,
    ...overrides,
  };
}

/** Starts the real app in this process on a random port, with demo data seeded. */
export async function startTestServer(overrides: Record<string, string> = {}, shared?: TestEnv): Promise<TestServer> {
  const env = shared ?? (await createTestEnv());
  const config = loadConfig(testServerEnv(env, overrides));
  const ds = await openDatabase(config, true);
  await seedDemoData(ds, config.rooms.defaultWidth, config.rooms.defaultHeight);
  await ds.destroy();
  const server = await startServer(config, createLogger(config.logLevel, config.instanceId));
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
