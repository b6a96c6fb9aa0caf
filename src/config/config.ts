import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { type AuthConfig, resolveAuth } from './auth-config';

/**
 * The one place that reads process.env. Every setting is validated once, at start, into a typed
 * object; a bad value stops the process with one message naming every offending variable.
 */

const intIn = (min: number, max: number, def: number) => z.coerce.number().int().min(min).max(max).default(def);

const DAY_MS = 86_400_000;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };
/** `90s`, `15m`, `24h`, `7d` (already checked against the pattern) in milliseconds. */
const durationMs = (v: string): number => {
  const [, n, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(v)!;
  return Number(n) * UNIT_MS[unit];
};

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

const ratio = (def: number) => z.coerce.number().min(0).max(1).default(def);

/**
 * Tracing (src/tracing): on when an OTLP endpoint is set. The OpenTelemetry SDK reads these and
 * the other standard OTEL_* variables itself; they are listed here so that a bad value is reported
 * with the rest, and compose may set them. TRACING_MOVE_RATIO is ours: the default sampler keeps
 * that share of moves (the bulk of the traffic) and every other request.
 */
const tracingShape = {
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl(['http:', 'https:']),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl(['http:', 'https:']),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/protobuf', 'http/json', 'grpc']).optional(),
  OTEL_SERVICE_NAME: z.string().trim().min(1).default('myroom'),
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).optional(),
  OTEL_TRACES_SAMPLER: z
    .enum([
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ])
    .optional(),
  OTEL_TRACES_SAMPLER_ARG: ratio(1).optional(),
  TRACING_MOVE_RATIO: ratio(0.01),
};

const envSchema = z
  .object({
    ...tracingShape,
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    // Default by mode (auth-config.ts): loopback for embedded, every interface for services.
    HOST: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v === '' ? undefined : v)),
    PORT: intIn(0, 65535, 3000),
    INSTANCE_ID: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only (1-64 chars)')
      .optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    JWT_SECRET_PREVIOUS: z.string().min(32, 'must be at least 32 characters').optional(),
    JWT_PUBLIC_KEY: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v === '' ? undefined : v)),
    JWT_JWKS_URL: optionalUrl(['https:', 'http:']),
    JWT_JWKS_COOLDOWN_MS: intIn(0, 3_600_000, 30_000),
    JWT_ISSUER: z.string().trim().min(1).optional(),
    JWT_AUDIENCE: z.string().trim().min(1).optional(),
    DEV_TOKENS: z.enum(['true', 'false']).optional(),
    DEV_ADMIN_TOKENS: z.enum(['true', 'false']).optional(),
    HTTP_MAX_BODY: intIn(256, 10 * 1024 * 1024, 16 * 1024),
    REDIS_URL: optionalUrl(['redis:', 'rediss:']),
    REDIS_KEY_PREFIX: z.string().max(64).default('myroom:'),
    REDIS_COMMAND_TIMEOUT_MS: intIn(100, 60_000, 2000),
    MYSQL_TIMEOUT_MS: intIn(100, 600_000, 3000),
    MYSQL_URL: optionalUrl(['mysql:']),
    RABBITMQ_URL: optionalUrl(['amqp:', 'amqps:']),
    SQLITE_PATH: z.string().trim().min(1).default('./data/myroom.sqlite'),
    SEED_DEMO_DATA: z.enum(['true', 'false']).optional(),
    WS_MAX_PAYLOAD: intIn(256, 1024 * 1024, 4096),
    WS_PING_INTERVAL_MS: intIn(50, 600_000, 15_000),
    WS_LOW_BUFFERED_BYTES: intIn(0, 64 * 1024 * 1024, 64 * 1024),
    WS_SOFT_BUFFERED_BYTES: intIn(1024, 64 * 1024 * 1024, 256 * 1024),
    WS_MAX_BUFFERED_BYTES: intIn(16 * 1024, 64 * 1024 * 1024, 1024 * 1024),
    WS_SLOW_CUT_AFTER_MS: intIn(100, 600_000, 10_000),
    WS_SEND_WINDOW_MS: intIn(0, 1000, 0),
    ALLOWED_ORIGINS: z.string().default(''),
    RATE_LIMIT_PER_SEC: intIn(1, 10_000, 40),
    RATE_LIMIT_STRIKES: intIn(1, 10_000, 20),
    LOCK_TTL_MS: intIn(100, 60_000, 3000),
    ROOM_LOG_LENGTH: intIn(10, 100_000, 1000),
    CHAT_RATE_LINES: intIn(1, 10_000, 5),
    CHAT_RATE_WINDOW_MS: intIn(100, 3_600_000, 10_000),
    REPLAY_RETENTION: z
      .string()
      .trim()
      .regex(/^[1-9][0-9]*(ms|s|m|h|d)$/, 'a whole number and a unit of ms s m h d, e.g. 24h')
      .default('24h')
      .transform(durationMs)
      .refine((ms) => ms >= 1000 && ms <= 366 * DAY_MS, 'must be between 1s and 366d'),
    MAP_WIDTH: intIn(2, 200, 20),
    MAP_HEIGHT: intIn(2, 200, 20),
    SHUTDOWN_TIMEOUT_MS: intIn(100, 120_000, 10_000),
    DRAIN_GRACE_MS: intIn(0, 60_000, 2000),
    RABBITMQ_STREAM_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,100}$/, 'letters, digits, _ . - only (1-100 chars)')
      .default('myroom'),
    RABBITMQ_STREAM_PARTITIONS: intIn(1, 256, 1),
    RABBITMQ_STREAM_MAX_AGE: z
      .string()
      .regex(/^[1-9][0-9]*[YMDhms]$/, 'a number and a unit of Y M D h m s, e.g. 1h')
      .default('1h'),
    RABBITMQ_STREAM_MAX_BYTES: intIn(1_000_000, 1e12, 1_000_000_000),
    RABBITMQ_STREAM_SEGMENT_BYTES: intIn(100_000, 3_000_000_000, 50_000_000),
    RABBITMQ_PREFETCH: intIn(1, 65_535, 1000),
    RABBITMQ_BATCH_MAX: intIn(1, 10_000, 256),
    RABBITMQ_BATCH_LINGER_MS: intIn(0, 50, 0),
    RABBITMQ_PUBLISH_UNREAD: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    // A SIGKILLed instance's avatars go within (TTL - up to one heartbeat) + one reaper interval:
    // 1.2-1.5 s + up to 0.24 s, so p99 stays under 2 s. The price: an instance whose event loop
    // stalls for longer than TTL - heartbeat (1.2 s; normal GC pauses are tens of ms) is reaped
    // and fenced, and its clients reconnect elsewhere. Raise the TTL where longer stalls happen.
    INSTANCE_LEASE_TTL_MS: intIn(500, 60_000, 1500),
    INSTANCE_HEARTBEAT_MS: intIn(100, 20_000, 300),
    REAPER_INTERVAL_MS: intIn(100, 60_000, 200),
    WORKERS: intIn(1, 64, 1),
    RUN_MIGRATIONS: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
  })
  .superRefine((env, ctx) => {
    if (env.INSTANCE_HEARTBEAT_MS * 2 > env.INSTANCE_LEASE_TTL_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['INSTANCE_HEARTBEAT_MS'],
        message: 'must be at most half of INSTANCE_LEASE_TTL_MS',
      });
    }
    if (env.WS_LOW_BUFFERED_BYTES >= env.WS_SOFT_BUFFERED_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['WS_LOW_BUFFERED_BYTES'],
        message: 'must be less than WS_SOFT_BUFFERED_BYTES',
      });
    }
    if (env.WS_SOFT_BUFFERED_BYTES >= env.WS_MAX_BUFFERED_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['WS_SOFT_BUFFERED_BYTES'],
        message: 'must be less than WS_MAX_BUFFERED_BYTES',
      });
    }
    // A ping waits in the corked socket like any frame: the pong must be able to come back in time.
    if (env.WS_SEND_WINDOW_MS * 2 > env.WS_PING_INTERVAL_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['WS_SEND_WINDOW_MS'],
        message: 'must be at most half of WS_PING_INTERVAL_MS',
      });
    }
    if (env.DRAIN_GRACE_MS >= env.SHUTDOWN_TIMEOUT_MS) {
      ctx.addIssue({ code: 'custom', path: ['DRAIN_GRACE_MS'], message: 'must be less than SHUTDOWN_TIMEOUT_MS' });
    }
    if (env.RABBITMQ_STREAM_SEGMENT_BYTES > env.RABBITMQ_STREAM_MAX_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['RABBITMQ_STREAM_SEGMENT_BYTES'],
        message: 'must not exceed RABBITMQ_STREAM_MAX_BYTES',
      });
    }
  });

/** Every environment variable the server reads (docker/compose.yaml may set only these). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

export type Mode = 'services' | 'embedded';

/**
 * `services`: Redis + MySQL (+ RabbitMQ), several instances; `embedded`: one process, state in
 * memory, SQLite. Settings that exist in one mode only live in that mode's half of the union, so a
 * provider of one mode narrows on `mode` and finds them present.
 */
export type AppConfig = ServicesConfig | EmbeddedConfig;

export interface ServicesConfig extends CommonConfig {
  mode: 'services';
  /** commandTimeoutMs: longest wait for a Redis reply (a black-holed connection answers nothing, ever). */
  redis: { url: string; keyPrefix: string; commandTimeoutMs: number };
  /**
   * timeoutMs: longest wait for a new connection's handshake and for each query's reply (a
   * black-holed connection answers nothing, ever); migrations are not bound by it.
   */
  mysql: { url: string; timeoutMs: number };
  /** Without a URL, events stay in this process (one instance on the shared services). */
  rabbitmq: { url?: string };
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
    /**
     * Events sent as one stream message per partition: at most batchMax (1: one event per message,
     * in the format every release reads), gathered over one event-loop turn, or batchLingerMs.
     */
    batchMax: number;
    batchLingerMs: number;
    /**
     * Publish events of rooms no other instance reads, too (rooms/room-events.ts). Off: they stay
     * off the broker. On during a rolling upgrade from releases that do not mark their readers.
     */
    publishUnread: boolean;
  };
  /** Instance lease in Redis: renewed every heartbeatMs, lost after ttlMs; dead instances reaped every reapIntervalMs. */
  presence: { leaseTtlMs: number; heartbeatMs: number; reapIntervalMs: number };
  /** Full instances this command runs on this host, sharing the port (main.ts, workers.ts). */
  workers: number;
}

export interface EmbeddedConfig extends CommonConfig {
  mode: 'embedded';
  /** The database file (absolute), or `:memory:`. */
  sqlite: { path: string };
}

/**
 * Tracing, read before anything else loads (tracing/register.ts) and again with the rest.
 * `sampler` undefined: ours (parent-based; moves at moveRatio, the rest always); otherwise the
 * standard OTEL_TRACES_SAMPLER, which the SDK builds itself.
 */
export interface TracingConfig {
  enabled: boolean;
  serviceName: string;
  moveRatio: number;
  sampler?: string;
}

const tracingSchema = z.object({ ...tracingShape, WORKERS: intIn(1, 64, 1) });

function tracingFrom(e: z.infer<z.ZodObject<typeof tracingShape>>): TracingConfig {
  return {
    enabled:
      !!(e.OTEL_EXPORTER_OTLP_ENDPOINT || e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) && e.OTEL_SDK_DISABLED !== 'true',
    serviceName: e.OTEL_SERVICE_NAME,
    moveRatio: e.TRACING_MOVE_RATIO,
    sampler: e.OTEL_TRACES_SAMPLER,
  };
}

/**
 * Only the tracing settings (and WORKERS: a primary that forks workers traces nothing itself);
 * throws ConfigError as loadConfig would.
 */
export function loadTracingConfig(env: NodeJS.ProcessEnv = process.env): { tracing: TracingConfig; workers: number } {
  const parsed = tracingSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  return { tracing: tracingFrom(parsed.data), workers: parsed.data.WORKERS };
}

interface CommonConfig {
  tracing: TracingConfig;
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  instanceId: string;
  logLevel: string;
  /** Token verification and minting, the dev sign-in (auth-config.ts holds the rules). */
  auth: AuthConfig;
  /** Largest accepted HTTP request body, in bytes (larger ones get 413). */
  http: { maxBodyBytes: number };
  /** Load the demo users, games and rooms at start (idempotent); default: in embedded mode only. */
  seedDemoData: boolean;
  ws: {
    maxPayload: number;
    pingIntervalMs: number;
    /** Slow consumers (rooms/slow-consumer.ts): when room events stop, resume, and the socket is cut. */
    backlog: { lowBytes: number; softBytes: number; hardBytes: number; cutAfterMs: number };
    /** Room events to a socket wait up to this long to go out together (rooms/write-coalescer.ts); 0: per turn. */
    sendWindowMs: number;
    allowedOrigins: string[];
    rateLimitPerSec: number;
    rateLimitStrikes: number;
  };
  rooms: {
    lockTtlMs: number;
    logLength: number;
    defaultWidth: number;
    defaultHeight: number;
    /** A user may `say` at most `chatRateLines` lines per `chatRateWindowMs`. */
    chatRateLines: number;
    chatRateWindowMs: number;
  };
  /** The rooms' timeline for replay (rooms/history/): every event is kept at least `retentionMs`. */
  history: { retentionMs: number };
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
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const e = parsed.data;
  if (!e.REDIS_URL !== !e.MYSQL_URL) {
    throw new ConfigError([
      'REDIS_URL, MYSQL_URL: set both (services mode) or neither (embedded single-instance mode)',
    ]);
  }
  const mode: Mode = e.REDIS_URL && e.MYSQL_URL ? 'services' : 'embedded';
  const { host, auth, problems } = resolveAuth(e, mode);
  if (problems.length) throw new ConfigError(problems);
  const common: CommonConfig = {
    tracing: tracingFrom(e),
    env: e.NODE_ENV,
    host,
    port: e.PORT,
    instanceId: e.INSTANCE_ID ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    logLevel: e.LOG_LEVEL,
    auth,
    http: { maxBodyBytes: e.HTTP_MAX_BODY },
    seedDemoData: e.SEED_DEMO_DATA ? e.SEED_DEMO_DATA === 'true' : mode === 'embedded',
    ws: {
      maxPayload: e.WS_MAX_PAYLOAD,
      pingIntervalMs: e.WS_PING_INTERVAL_MS,
      backlog: {
        lowBytes: e.WS_LOW_BUFFERED_BYTES,
        softBytes: e.WS_SOFT_BUFFERED_BYTES,
        hardBytes: e.WS_MAX_BUFFERED_BYTES,
        cutAfterMs: e.WS_SLOW_CUT_AFTER_MS,
      },
      sendWindowMs: e.WS_SEND_WINDOW_MS,
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
      chatRateLines: e.CHAT_RATE_LINES,
      chatRateWindowMs: e.CHAT_RATE_WINDOW_MS,
    },
    history: { retentionMs: e.REPLAY_RETENTION },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    drainGraceMs: e.DRAIN_GRACE_MS,
    runMigrations: e.RUN_MIGRATIONS,
  };
  if ((!e.REDIS_URL || !e.MYSQL_URL) && e.WORKERS > 1) {
    throw new ConfigError([
      "WORKERS: embedded mode runs as one process (its room state lives in that process's memory); " +
        'for several workers set REDIS_URL, MYSQL_URL and RABBITMQ_URL (services mode), or leave WORKERS at 1',
    ]);
  }
  if (e.WORKERS > 1 && !e.RABBITMQ_URL) {
    throw new ConfigError([
      "WORKERS: several workers need RABBITMQ_URL, so that each one's room events reach the others",
    ]);
  }
  if (!e.REDIS_URL || !e.MYSQL_URL) {
    return {
      ...common,
      mode: 'embedded',
      sqlite: { path: e.SQLITE_PATH === ':memory:' ? e.SQLITE_PATH : resolve(e.SQLITE_PATH) },
    };
  }
  return {
    ...common,
    mode: 'services',
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX, commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS },
    mysql: { url: e.MYSQL_URL, timeoutMs: e.MYSQL_TIMEOUT_MS },
    rabbitmq: { url: e.RABBITMQ_URL },
    streams: {
      prefix: e.RABBITMQ_STREAM_PREFIX,
      partitions: e.RABBITMQ_STREAM_PARTITIONS,
      maxAge: e.RABBITMQ_STREAM_MAX_AGE,
      maxBytes: e.RABBITMQ_STREAM_MAX_BYTES,
      segmentBytes: e.RABBITMQ_STREAM_SEGMENT_BYTES,
      prefetch: e.RABBITMQ_PREFETCH,
      batchMax: e.RABBITMQ_BATCH_MAX,
      batchLingerMs: e.RABBITMQ_BATCH_LINGER_MS,
      publishUnread: e.RABBITMQ_PUBLISH_UNREAD,
    },
    presence: {
      leaseTtlMs: e.INSTANCE_LEASE_TTL_MS,
      heartbeatMs: e.INSTANCE_HEARTBEAT_MS,
      reapIntervalMs: e.REAPER_INTERVAL_MS,
    },
    workers: e.WORKERS,
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
