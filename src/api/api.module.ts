import { type DynamicModule, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from '../auth/auth.module';
import { isLoopback } from '../config/auth-config';
import { ShutdownRequest } from '../common/shutdown-request';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { FanoutModule } from '../fanout/fanout.module';
import { LOGGER, type Logger } from '../logging/logger';
import { MapsModule } from '../maps/maps.module';
import { INSTANCE_LEASE, type InstanceLease } from '../presence/instance-lease';
import { RoomsModule } from '../rooms/rooms.module';
import { AdminStreamController } from './admin-stream.controller';
import { AdminStreamService } from './admin-stream.service';
import { ChatController } from './chat.controller';
import { DevTokenController } from './dev-token.controller';
import { DirectoryRepository } from './directory.repository';
import { DirectoryService } from './directory.service';
import { InstancesController } from './instances.controller';
import { InstancesService, LEASE_EPOCH, type LeaseEpoch } from './instances.service';
import { ApiProblemFilter } from './problem.filter';
import { RoomOpsController } from './room-ops.controller';
import { RoomOpsService } from './room-ops.service';
import { RoomsApiController } from './rooms-api.controller';

/**
 * The HTTP API under /api: the web client's, and the operators' and game backends' (rooms,
 * notices, kicks, instances; OpenAPI at /api/openapi.json). The dev sign-in exists only when
 * configured. Every /api error answers as application/problem+json (ApiProblemFilter).
 */
@Module({})
export class ApiModule implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [AuthModule, MapsModule, FanoutModule, RoomsModule],
      controllers: [
        RoomsApiController,
        RoomOpsController,
        ChatController,
        InstancesController,
        AdminStreamController,
        ...(config.auth.devTokens ? [DevTokenController] : []),
      ],
      providers: [
        DirectoryRepository,
        DirectoryService,
        RoomOpsService,
        InstancesService,
        AdminStreamService,
        ShutdownRequest,
        { provide: APP_FILTER, useClass: ApiProblemFilter },
        config.mode === 'services'
          ? {
              provide: LEASE_EPOCH,
              inject: [INSTANCE_LEASE],
              useFactory:
                (lease: InstanceLease): LeaseEpoch =>
                () =>
                  lease.held ? lease.current().epoch : null,
            }
          : { provide: LEASE_EPOCH, useValue: (() => null) satisfies LeaseEpoch },
      ],
    };
  }

  onModuleInit(): void {
    if (this.config.auth.devTokens && (this.config.env === 'production' || !isLoopback(this.config.host))) {
      this.log.warn(
        `DEV_TOKENS is on ${this.config.env === 'production' ? 'in production' : `on ${this.config.host}`}: anyone who can reach it can sign in as any user through /api/dev/token`,
      );
    }
  }
}
