import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { FanoutModule } from '../fanout/fanout.module';
import { MapsModule } from '../maps/maps.module';
import { INSTANCE_LEASE, type InstanceLease } from '../presence/instance-lease';
import { RoomsModule } from '../rooms/rooms.module';
import { HealthController, LEASE_STATUS, type LeaseStatus } from './health.controller';

/** Liveness, readiness and metrics. */
@Module({})
export class HealthModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: HealthModule,
      imports: [RoomsModule, MapsModule, FanoutModule],
      controllers: [HealthController],
      providers: [
        config.mode === 'services'
          ? {
              provide: LEASE_STATUS,
              inject: [INSTANCE_LEASE],
              useFactory:
                (lease: InstanceLease): LeaseStatus =>
                () =>
                  lease.held ? 'held' : 'lost',
            }
          : { provide: LEASE_STATUS, useValue: (() => 'none') satisfies LeaseStatus },
      ],
    };
  }
}
