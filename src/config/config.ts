import { hostname } from 'node:os';
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
    RUN_MIGRATIONS: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'is required when NODE_ENV=production' });
    }
  });

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
  ws: {
    maxPayload: number;
    pingIntervalMs: number;
    maxBufferedBytes: number;
    allowedOrigins: string[];
    rateLimitPerSec: number;
    rateLimitStrikes: number;
  };
  rooms: { lockTtlMs: number; logLength: number; defaultWidth: number; defaultHeight: number };
  shutdownTimeoutMs: number;
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
  return {
    mode: configured === 2 ? 'services' : 'embedded',
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
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    runMigrations: e.RUN_MIGRATIONS,
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
