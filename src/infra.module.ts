import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown, Optional, type Provider } from '@nestjs/common';
import Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from './config/config';
import { EVENT_FANOUT, type EventFanout } from './fanout/fanout.port';
import { InProcessFanout } from './fanout/in-process-fanout';
import { InProcessRoomLocks } from './locks/in-process-room-locks';
import { RabbitStreamFanout } from './fanout/rabbit-stream-fanout';
import { RedlockRoomLocks } from './locks/redlock-room-locks';
import { ROOM_LOCKS } from './locks/room-locks.port';
import { createLogger, LOGGER, type Logger } from './logging/logger';
import { openDatabase } from './maps/data-source';
import { DATA_SOURCE } from './maps/map-store';
import { MemoryRoomState } from './state/memory-room-state';
import { INSTANCE_LEASE, InstanceLease } from './presence/instance-lease';
import { PRESENCE_STORE, type PresenceStore } from './state/presence-store.port';
import { RedisPresenceStore } from './state/redis/redis-presence-store';
import { RedisRoomState } from './state/redis/redis-room-state';
import { asRedlockClient } from './state/redis/redlock-client';
import { ROOM_STATE } from './state/room-state.port';

export const REDIS = Symbol('REDIS');

/**
 * The backing services, chosen once from the configuration: Redis, Redlock and MySQL in services
 * mode; process memory, an in-process mutex and an SQLite file in embedded mode (no Redis client
 * is created at all). Everything else gets them injected through the ports.
 */
@Global()
@Module({})
export class InfraModule implements OnApplicationShutdown {
  constructor(
    @Optional() @Inject(REDIS) private readonly redis: Redis | undefined,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(EVENT_FANOUT) private readonly fanout: EventFanout,
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
        {
          provide: EVENT_FANOUT,
          useFactory: async () => {
            // One embedded instance has nobody to fan out to; services mode without a broker is one instance too.
            if (config.mode !== 'services' || !config.rabbitmq.url) return new InProcessFanout();
            const fanout = new RabbitStreamFanout({ ...config.streams, url: config.rabbitmq.url, instanceId: config.instanceId }, logger);
            await fanout.start(5000); // keeps reconnecting in the background; readiness says when it is up
            return fanout;
          },
        },
      ],
      exports: [
        APP_CONFIG, LOGGER, DATA_SOURCE, ROOM_STATE, ROOM_LOCKS, EVENT_FANOUT,
        ...(config.mode === 'services' ? [REDIS, INSTANCE_LEASE, PRESENCE_STORE] : []),
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.fanout.close().catch(() => undefined);
    this.redis?.disconnect();
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

/** Room state and locks shared by every instance: Redis, with Redlock on it. */
function servicesState(config: AppConfig, logger: Logger): Provider[] {
  return [
    {
      provide: REDIS,
      useFactory: () => {
        const redis = new Redis(config.redis.url!, {
          keyPrefix: config.redis.keyPrefix,
          connectionName: `myroom:${config.instanceId}`,
          // Fail fast while Redis is away (callers answer UNAVAILABLE) instead of queueing.
          maxRetriesPerRequest: 1,
          enableOfflineQueue: true,
          retryStrategy: (times) => Math.min(50 * 2 ** times, 2000),
        });
        redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
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
      useFactory: (redis: Redis, lease: InstanceLease) => new RedisRoomState(redis, config.rooms.logLength, lease),
    },
    {
      provide: ROOM_LOCKS,
      inject: [REDIS],
      useFactory: (redis: Redis) => new RedlockRoomLocks(asRedlockClient(redis), config.rooms.lockTtlMs),
    },
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
  ];
}

export type { Logger };
