import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import Redis from 'ioredis';
import { backoffDelay } from './common/backoff';
import { APP_CONFIG, type AppConfig, type ServicesConfig } from './config/config';
import { InProcessRoomLocks } from './locks/in-process-room-locks';
import { RedlockRoomLocks } from './locks/redlock-room-locks';
import { ROOM_LOCKS } from './locks/room-locks.port';
import { createLogger, LOGGER, type Logger } from './logging/logger';
import { openDatabase } from './maps/data-source';
import { DATA_SOURCE } from './maps/map-store';
import { MemoryRoomState } from './state/memory-room-state';
import { INSTANCE_LEASE, InstanceLease } from './presence/instance-lease';
import { INSTANCE_STATS } from './state/instance-stats.port';
import { MemoryInstanceStats } from './state/memory-instance-stats';
import { PRESENCE_STORE, type PresenceStore } from './state/presence-store.port';
import { RedisInstanceStats } from './state/redis/redis-instance-stats';
import { RedisPresenceStore } from './state/redis/redis-presence-store';
import { RedisRoomState } from './state/redis/redis-room-state';
import { TurnCoalescingRedis } from './state/redis/turn-coalescing-redis';
import { asRedlockClient } from './state/redis/redlock-client';
import { ROOM_STATE } from './state/room-state.port';
import { tracePort } from './tracing/tracing';

export const REDIS = Symbol('REDIS');
/** Connections this module opened, closed in reverse order at shutdown (each server its own list). */
const CLOSERS = Symbol('CLOSERS');
type Closers = Array<() => void | Promise<void>>;

/**
 * The backing services, chosen once from the configuration: Redis, Redlock and MySQL in services
 * mode; process memory, an in-process mutex and an SQLite file in embedded mode (no Redis client
 * is created at all). Everything else gets them injected through the ports. The message broker is
 * the fan-out's own (fanout/fanout.module.ts).
 */
@Global()
@Module({})
export class InfraModule implements OnApplicationShutdown {
  constructor(@Inject(CLOSERS) private readonly closers: Closers) {}

  static forRoot(config: AppConfig, logger = createLogger(config.logLevel, config.instanceId)): DynamicModule {
    return {
      module: InfraModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: CLOSERS, useValue: [] },
        ...(config.mode === 'services' ? servicesState(config, logger) : embeddedState(config)),
        {
          provide: DATA_SOURCE,
          inject: [CLOSERS],
          useFactory: async (closers: Closers) => {
            const ds = await openDatabase(config);
            closers.push(async () => {
              if (ds.isInitialized) await ds.destroy();
            });
            return ds;
          },
        },
      ],
      exports: [
        APP_CONFIG,
        LOGGER,
        DATA_SOURCE,
        ROOM_STATE,
        ROOM_LOCKS,
        INSTANCE_STATS,
        ...(config.mode === 'services' ? [REDIS, INSTANCE_LEASE, PRESENCE_STORE] : []),
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    for (const close of this.closers.reverse()) await close();
  }
}

/** Room state and locks shared by every instance: Redis, with Redlock on it. */
function servicesState(config: ServicesConfig, logger: Logger): Provider[] {
  return [
    {
      provide: REDIS,
      inject: [CLOSERS],
      useFactory: (closers: Closers) => {
        // A turn's commands leave in one write (see TurnCoalescingRedis).
        const redis = new TurnCoalescingRedis(config.redis.url, {
          keyPrefix: config.redis.keyPrefix,
          connectionName: `myroom:${config.instanceId}`,
          // Fail fast while Redis is away (callers answer UNAVAILABLE) instead of queueing.
          maxRetriesPerRequest: 1,
          enableOfflineQueue: true,
          // Reconnects after 50-100 ms, doubling up to 1-2 s.
          retryStrategy: (times) => backoffDelay(times, { baseMs: 50, maxMs: 2000, factor: 2 }),
          // A black-holed connection (no reply, no reset) would otherwise hold every request
          // forever: a command unanswered in time fails (UNAVAILABLE), and a socket that stays
          // silent that long is cut and reconnected. Commands in flight on a cut socket are not
          // sent again on the new one: their callers were already told UNAVAILABLE.
          commandTimeout: config.redis.commandTimeoutMs,
          socketTimeout: config.redis.commandTimeoutMs,
          connectTimeout: config.redis.commandTimeoutMs,
          autoResendUnfulfilledCommands: false,
          // Auto-pipelining stays off: with it, test/rooms/concurrency.test.ts (a busy room with
          // builds, churn and replacements) hung waiting for a reply in 2 of 8 runs, against 0 of 8
          // without it, for a reason not found yet. It does compose with keyPrefix and the Lua
          // commands (pipelined scripts still go as EVALSHA once loaded on the socket).
          enableAutoPipelining: false,
        });
        redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
        redis.on('close', () => clearStaleSocketTimeout(redis));
        closers.push(() => redis.disconnect());
        return redis;
      },
    },
    {
      provide: PRESENCE_STORE,
      inject: [REDIS],
      useFactory: (redis: Redis) => new RedisPresenceStore(redis),
    },
    {
      provide: INSTANCE_LEASE,
      inject: [PRESENCE_STORE],
      useFactory: (store: PresenceStore) =>
        new InstanceLease(store, config.instanceId, config.presence.leaseTtlMs, config.presence.heartbeatMs, logger),
    },
    {
      provide: ROOM_STATE,
      inject: [REDIS, INSTANCE_LEASE],
      useFactory: (redis: Redis, lease: InstanceLease) =>
        tracePort('state', new RedisRoomState(redis, config.rooms.logLength, lease)),
    },
    {
      provide: ROOM_LOCKS,
      inject: [REDIS],
      useFactory: (redis: Redis) => new RedlockRoomLocks(asRedlockClient(redis), config.rooms.lockTtlMs),
    },
    { provide: INSTANCE_STATS, inject: [REDIS], useFactory: (redis: Redis) => new RedisInstanceStats(redis) },
  ];
}

/**
 * Room state and locks of the single instance: in this process. Not a stand-in for tests: this is
 * the embedded mode's real implementation, held to the same contract tests as Redis and Redlock.
 */
function embeddedState(config: AppConfig): Provider[] {
  return [
    { provide: ROOM_STATE, useFactory: () => tracePort('state', new MemoryRoomState(config.rooms.logLength)) },
    { provide: ROOM_LOCKS, useFactory: () => new InProcessRoomLocks() },
    { provide: INSTANCE_STATS, useFactory: () => new MemoryInstanceStats() },
  ];
}

export type { Logger };

/**
 * ioredis 5 keeps the socketTimeout timer of a connection that closed with a command in flight,
 * and when it fires it destroys whatever connection is current: after a quick Redis restart, the
 * healthy new one, socketTimeout after the old command was sent (redis/ioredis#2147, fixed in
 * ioredis 6). Its commands in flight then wait out their own timeout, longer than the instance
 * lease. Clearing the timer when the connection closes lets the next command arm a fresh one.
 */
function clearStaleSocketTimeout(redis: Redis): void {
  const client = redis as unknown as { socketTimeoutTimer?: NodeJS.Timeout };
  clearTimeout(client.socketTimeoutTimer);
  client.socketTimeoutTimer = undefined;
}
