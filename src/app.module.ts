import { type DynamicModule, Module } from '@nestjs/common';
import { ApiModule } from './api/api.module';
import { AuthModule } from './auth/auth.module';
import type { AppConfig } from './config/config';
import { FanoutModule } from './fanout/fanout.module';
import { HealthModule } from './health/health.module';
import { InfraModule } from './infra.module';
import type { Logger } from './logging/logger';
import { MapsModule } from './maps/maps.module';
import { PresenceModule } from './presence/presence.module';
import { RoomsModule } from './rooms/rooms.module';
import { LegacyModule } from './codec/legacy/legacy.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger?: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        InfraModule.forRoot(config, logger),
        AuthModule,
        MapsModule,
        FanoutModule,
        RoomsModule,
        LegacyModule,
        HealthModule.forRoot(config),
        ApiModule.forRoot(config),
        ...(config.mode === 'services' ? [PresenceModule] : []),
      ],
    };
  }
}
