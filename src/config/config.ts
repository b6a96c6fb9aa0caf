import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * The one place that reads process.env. Every setting is validated once, at start, into a typed
 * object; a bad value stops the process with one message naming every offending variable.
 */

const DEV_JWT_SECRET = 'dev-only-insecure-secret-change-me-0123456789';

const intIn = (min: number, max: number, def: number) =>
  z.coerce.number().int().min(min).max(max).default(def);

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine(
      (v) => {
        if (v === undefined) return true;
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      { message: `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}` },
    );

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().default('0.0.0.0'),
    PORT: intIn(0, 65535, 3000),
    INSTANCE_ID: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only (1-64 chars)')
      .optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    DEV_TOKENS: z.enum(['true', 'false']).optional(),
    REDIS_URL: optionalUrl(['redis:', 'rediss:']),
    REDIS_KEY_PREFIX: z.string().max(64).default('myroom:'),
    MYSQL_URL: optionalUrl(['mysql:']),
    RABBITMQ_URL: optionalUrl(['amqp:', 'amqps:']),
    SQLITE_PATH: z.string().trim().min(1).default('./data/myroom.sqlite'),
    SEED_DEMO_DATA: z.enum(['true', 'false']).optional(),
    WS_MAX_PAYLOAD: intIn(256, 1024 * 1024, 4096),
    WS_PING_INTERVAL_MS: intIn(50, 600_000, 15_000),
    WS_MAX_BUFFERED_BYTES: intIn(16 * 1024, 64 * 1024 * 1024, 1024 * 1024),
    ALLOWED_ORIGINS: z.string().default(''),
    RATE_LIMIT_PER_SEC: intIn(1, 10_000, 40),
    RATE_LIMIT_STRIKES: intIn(1, 10_000, 20),
    LOCK_TTL_MS: intIn(100, 60_000, 3000),
    ROOM_LOG_LENGTH: intIn(10, 100_000, 1000),
    MAP_WIDTH: intIn(2, 200, 20),
    MAP_HEIGHT: intIn(2, 200, 20),
    SHUTDOWN_TIMEOUT_MS: intIn(100, 120_000, 10_000),
    DRAIN_GRACE_MS: intIn(0, 60_000, 2000),
    RABBITMQ_STREAM_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'letters, digits, _ . - only (1-100 chars)').default('myroom'),
    RABBITMQ_STREAM_PARTITIONS: intIn(1, 256, 8),
    RABBITMQ_STREAM_MAX_AGE: z.string().regex(/^[1-9][0-9]*[YMDhms]$/, 'a number and a unit of Y M D h m s, e.g. 1h').default('1h'),
    RABBITMQ_STREAM_MAX_BYTES: intIn(1_000_000, 1e12, 1_000_000_000),
    RABBITMQ_STREAM_SEGMENT_BYTES: intIn(100_000, 3_000_000_000, 50_000_000),
    RABBITMQ_PREFETCH: intIn(1, 65_535, 1000),
    INSTANCE_LEASE_TTL_MS: intIn(500, 60_000, 3000),
    INSTANCE_HEARTBEAT_MS: intIn(100, 20_000, 1000),
    REAPER_INTERVAL_MS: intIn(100, 60_000, 500),
    RUN_MIGRATIONS: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'is required when NODE_ENV=production' });
    }
    if (env.INSTANCE_HEARTBEAT_MS * 2 > env.INSTANCE_LEASE_TTL_MS) {
      ctx.addIssue({ code: 'custom', path: ['INSTANCE_HEARTBEAT_MS'], message: 'must be at most half of INSTANCE_LEASE_TTL_MS' });
    }
    if (env.DRAIN_GRACE_MS >= env.SHUTDOWN_TIMEOUT_MS) {
      ctx.addIssue({ code: 'custom', path: ['DRAIN_GRACE_MS'], message: 'must be less than SHUTDOWN_TIMEOUT_MS' });
    }
    if (env.RABBITMQ_STREAM_SEGMENT_BYTES > env.RABBITMQ_STREAM_MAX_BYTES) {
      ctx.addIssue({ code: 'custom', path: ['RABBITMQ_STREAM_SEGMENT_BYTES'], message: 'must not exceed RABBITMQ_STREAM_MAX_BYTES' });
    }
  });

/** Every environment variable the server reads (docker/compose.yaml may set only these). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

export type Mode = 'services' | 'embedded';

export interface AppConfig {
  /** `services`: Redis + MySQL (+ RabbitMQ); `embedded`: one process, state in memory, SQLite. */
  mode: Mode;
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  instanceId: string;
  logLevel: string;
  jwtSecret: string;
  /** True when JWT_SECRET was not set and the well-known development secret is in use. */
  usingDevSecret: boolean;
  /** `POST /api/dev/token` hands out tokens for existing users (the web client's demo sign-in). */
  devTokens: boolean;
  redis: { url?: string; keyPrefix: string };
  mysql: { url?: string };
  rabbitmq: { url?: string };
  /** Embedded mode's database file (absolute), or `:memory:`. */
  sqlite: { path: string };
  /** Load the demo users, games and rooms at start (idempotent); default: in embedded mode only. */
  seedDemoData: boolean;
  ws: {
    maxPayload: number;
    pingIntervalMs: number;
    maxBufferedBytes: number;
    allowedOrigins: string[];
    rateLimitPerSec: number;
    rateLimitStrikes: number;
  };
  rooms: { lockTtlMs: number; logLength: number; defaultWidth: number; defaultHeight: number };
  /** Layout of the RabbitMQ fan-out (used when rabbitmq.url is set). */
  streams: {
    /** Names of this deployment's streams and control queues start with it. */
    prefix: string;
    partitions: number;
    /** Stream retention: x-max-age (e.g. `1h`), x-max-length-bytes, and the segment size (retention drops whole segments). */
    maxAge: string;
    maxBytes: number;
    segmentBytes: number;
    /** Unacknowledged deliveries per consumer (streams refuse consumers without one). */
    prefetch: number;
  };
  /** Instance lease in Redis: renewed every heartbeatMs, lost after ttlMs; dead instances reaped every reapIntervalMs. */
  presence: { leaseTtlMs: number; heartbeatMs: number; reapIntervalMs: number };
  shutdownTimeoutMs: number;
  /** On SIGTERM, how long readiness reports 503 before clients are asked to reconnect. */
  drainGraceMs: number;
  runMigrations: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`),
    );
  }
  const e = parsed.data;
  const configured = [e.REDIS_URL, e.MYSQL_URL].filter(Boolean).length;
  if (configured === 1) {
    throw new ConfigError([
      'REDIS_URL, MYSQL_URL: set both (services mode) or neither (embedded single-instance mode)',
    ]);
  }
  const mode: Mode = configured === 2 ? 'services' : 'embedded';
  return {
    mode,
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    instanceId: e.INSTANCE_ID ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    logLevel: e.LOG_LEVEL,
    jwtSecret: e.JWT_SECRET ?? DEV_JWT_SECRET,
    usingDevSecret: !e.JWT_SECRET,
    devTokens: e.DEV_TOKENS === undefined ? e.NODE_ENV !== 'production' : e.DEV_TOKENS === 'true',
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX },
    mysql: { url: e.MYSQL_URL },
    rabbitmq: { url: e.RABBITMQ_URL },
    sqlite: { path: e.SQLITE_PATH === ':memory:' ? e.SQLITE_PATH : resolve(e.SQLITE_PATH) },
    seedDemoData: e.SEED_DEMO_DATA ? e.SEED_DEMO_DATA === 'true' : mode === 'embedded',
    ws: {
      maxPayload: e.WS_MAX_PAYLOAD,
      pingIntervalMs: e.WS_PING_INTERVAL_MS,
      maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
      allowedOrigins: e.ALLOWED_ORIGINS.split(',')
        .map((o) => o.trim())
        .filter(Boolean),
      rateLimitPerSec: e.RATE_LIMIT_PER_SEC,
      rateLimitStrikes: e.RATE_LIMIT_STRIKES,
    },
    rooms: {
      lockTtlMs: e.LOCK_TTL_MS,
      logLength: e.ROOM_LOG_LENGTH,
      defaultWidth: e.MAP_WIDTH,
      defaultHeight: e.MAP_HEIGHT,
    },
    streams: {
      prefix: e.RABBITMQ_STREAM_PREFIX,
      partitions: e.RABBITMQ_STREAM_PARTITIONS,
      maxAge: e.RABBITMQ_STREAM_MAX_AGE,
      maxBytes: e.RABBITMQ_STREAM_MAX_BYTES,
      segmentBytes: e.RABBITMQ_STREAM_SEGMENT_BYTES,
      prefetch: e.RABBITMQ_PREFETCH,
    },
    presence: {
      leaseTtlMs: e.INSTANCE_LEASE_TTL_MS,
      heartbeatMs: e.INSTANCE_HEARTBEAT_MS,
      reapIntervalMs: e.REAPER_INTERVAL_MS,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    drainGraceMs: e.DRAIN_GRACE_MS,
    runMigrations: e.RUN_MIGRATIONS,
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
