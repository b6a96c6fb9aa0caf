import { type DynamicModule, Module } from '@nestjs/common';
import { ApiModule } from './api/api.module';
import { TokenService } from './auth/token.service';
import type { AppConfig } from './config/config';
import { HealthController } from './health/health.controller';
import { InfraModule } from './infra.module';
import type { Logger } from './logging/logger';
import { MapStore } from './maps/map-store';
import { PresenceService } from './presence/presence.service';
import { ProtocolErrorFilter } from './rooms/protocol-error.filter';
import { RoomChannels } from './rooms/room-channels';
import { RoomsGateway } from './rooms/rooms.gateway';
import { RoomsService } from './rooms/rooms.service';
import { SessionRegistry } from './rooms/session-registry';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger?: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [InfraModule.forRoot(config, logger), ApiModule.forRoot(config)],
      controllers: [HealthController],
      providers: [
        TokenService, MapStore, RoomChannels, SessionRegistry, RoomsService, RoomsGateway, ProtocolErrorFilter,
        // Instance lease and reaper: only where instances share state (services mode).
        ...(config.mode === 'services' ? [PresenceService] : []),
      ],
    };
  }
}
