import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from './config/config';
import { EVENT_FANOUT, type EventFanout } from './fanout/fanout.port';
import { InProcessFanout } from './fanout/in-process-fanout';
import { RabbitStreamFanout } from './fanout/rabbit-stream-fanout';
import { RedlockRoomLocks } from './locks/redlock-room-locks';
import { ROOM_LOCKS } from './locks/room-locks.port';
import { createLogger, LOGGER, type Logger } from './logging/logger';
import { openDatabase } from './maps/data-source';
import { DATA_SOURCE } from './maps/map-store';
import { INSTANCE_LEASE, InstanceLease } from './presence/instance-lease';
import { RedisRoomState } from './state/redis-room-state';
import { ROOM_STATE } from './state/room-state.port';

export const REDIS = Symbol('REDIS');

/**
 * The backing services, chosen once from the configuration: Redis, Redlock and MySQL in services
 * mode. Everything else gets them injected through the ports.
 */
@Global()
@Module({})
export class InfraModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(EVENT_FANOUT) private readonly fanout: EventFanout,
  ) {}

  static forRoot(config: AppConfig, logger = createLogger(config.logLevel, config.instanceId)): DynamicModule {
    return {
      module: InfraModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
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
          provide: DATA_SOURCE,
          useFactory: () => openDatabase(config),
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
        {
          provide: EVENT_FANOUT,
          useFactory: async () => {
            if (!config.rabbitmq.url) return new InProcessFanout();
            const fanout = new RabbitStreamFanout({ ...config.streams, url: config.rabbitmq.url, instanceId: config.instanceId }, logger);
            await fanout.start(5000); // keeps reconnecting in the background; readiness says when it is up
            return fanout;
          },
        },
      ],
      exports: [APP_CONFIG, LOGGER, REDIS, DATA_SOURCE, ROOM_STATE, ROOM_LOCKS, EVENT_FANOUT, INSTANCE_LEASE],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.fanout.close().catch(() => undefined);
    this.redis.disconnect();
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

export type { Logger };
