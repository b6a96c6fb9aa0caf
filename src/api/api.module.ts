import { type DynamicModule, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { isLoopback } from '../config/auth-config';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { LOGGER, type Logger } from '../logging/logger';
import { DevTokenController } from './dev-token.controller';
import { DirectoryRepository } from './directory.repository';
import { DirectoryService } from './directory.service';
import { RoomsApiController } from './rooms-api.controller';

/** The HTTP API of the web client (/api/...). The dev sign-in exists only when configured. */
@Module({})
export class ApiModule implements OnModuleInit {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig, @Inject(LOGGER) private readonly log: Logger) {}

  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [AuthModule],
      controllers: [RoomsApiController, ...(config.auth.devTokens ? [DevTokenController] : [])],
      providers: [DirectoryRepository, DirectoryService],
    };
  }

  onModuleInit(): void {
    if (this.config.auth.devTokens && (this.config.env === 'production' || !isLoopback(this.config.host))) {
      this.log.warn(`DEV_TOKENS is on ${this.config.env === 'production' ? 'in production' : `on ${this.config.host}`}: anyone who can reach it can sign in as any user through /api/dev/token`);
    }
  }
}
