import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown, Optional, type Provider } from '@nestjs/common';
import Redis from 'ioredis';
import type { DataSource } from 'typeorm';
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
import { RedisInstanceStats } from './state/redis-instance-stats';
import { RedisRoomState } from './state/redis-room-state';
import { ROOM_STATE } from './state/room-state.port';

export const REDIS = Symbol('REDIS');

/**
 * The backing services, chosen once from the configuration: Redis, Redlock and MySQL in services
 * mode; process memory, an in-process mutex and an SQLite file in embedded mode (no Redis client
 * is created at all). Everything else gets them injected through the ports. The message broker is
 * the fan-out's own (fanout/fanout.module.ts).
 */
@Global()
@Module({})
export class InfraModule implements OnApplicationShutdown {
  constructor(
    @Optional() @Inject(REDIS) private readonly redis: Redis | undefined,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
  ) {}

  static forRoot(config: AppConfig, logger = createLogger(config.logLevel, config.instanceId)): DynamicModule {
    return {
      module: InfraModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        ...(config.mode === 'services' ? servicesState(config, logger) : embeddedState(config)),
        {
          provide: DATA_SOURCE,
          useFactory: () => openDatabase(config),
        },
      ],
      exports: [
        APP_CONFIG, LOGGER, DATA_SOURCE, ROOM_STATE, ROOM_LOCKS, INSTANCE_STATS,
        ...(config.mode === 'services' ? [REDIS, INSTANCE_LEASE] : []),
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis?.disconnect();
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

/** Room state and locks shared by every instance: Redis, with Redlock on it. */
function servicesState(config: ServicesConfig, logger: Logger): Provider[] {
  return [
    {
      provide: REDIS,
      useFactory: () => {
        const redis = new Redis(config.redis.url, {
          keyPrefix: config.redis.keyPrefix,
          connectionName: `myroom:${config.instanceId}`,
          // Fail fast while Redis is away (callers answer UNAVAILABLE) instead of queueing.
          maxRetriesPerRequest: 1,
          enableOfflineQueue: true,
          // Reconnects after 50-100 ms, doubling up to 1-2 s.
          retryStrategy: (times) => backoffDelay(times, { baseMs: 50, maxMs: 2000, factor: 2 }),
        });
        redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
        return redis;
      },
    },
    {
      provide: INSTANCE_LEASE,
      inject: [REDIS],
      useFactory: (redis: Redis) =>
        new InstanceLease(redis, config.instanceId, config.presence.leaseTtlMs, config.presence.heartbeatMs, logger),
    },
    {
      provide: ROOM_STATE,
      inject: [REDIS, INSTANCE_LEASE],
      useFactory: (redis: Redis, lease: InstanceLease) => new RedisRoomState(redis, config.rooms.logLength, lease),
    },
    {
      provide: ROOM_LOCKS,
      inject: [REDIS],
      useFactory: (redis: Redis) => new RedlockRoomLocks(redis, config.rooms.lockTtlMs),
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
    { provide: ROOM_STATE, useFactory: () => new MemoryRoomState(config.rooms.logLength) },
    { provide: ROOM_LOCKS, useFactory: () => new InProcessRoomLocks() },
    { provide: INSTANCE_STATS, useFactory: () => new MemoryInstanceStats() },
  ];
}

export type { Logger };
