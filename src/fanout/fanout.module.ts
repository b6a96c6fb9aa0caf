import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { LOGGER, type Logger } from '../logging/logger';
import { EVENT_FANOUT, type EventFanout } from './fanout.port';
import { InProcessFanout } from './in-process-fanout';
import { RabbitStreamFanout } from './rabbit-stream-fanout';

/** The fan-out adapter, chosen from the configuration: RabbitMQ streams when a broker is configured, else in process. */
@Module({
  providers: [
    {
      provide: EVENT_FANOUT,
      inject: [APP_CONFIG, LOGGER],
      useFactory: async (config: AppConfig, logger: Logger): Promise<EventFanout> => {
        // One embedded instance has nobody to fan out to; services mode without a broker is one instance too.
        if (config.mode !== 'services' || !config.rabbitmq.url) return new InProcessFanout();
        const fanout = new RabbitStreamFanout(
          { ...config.streams, url: config.rabbitmq.url, instanceId: config.instanceId },
          logger,
        );
        await fanout.start(5000); // keeps reconnecting in the background; readiness says when it is up
        return fanout;
      },
    },
  ],
  exports: [EVENT_FANOUT],
})
export class FanoutModule implements OnApplicationShutdown {
  constructor(@Inject(EVENT_FANOUT) private readonly fanout: EventFanout) {}

  async onApplicationShutdown(): Promise<void> {
    await this.fanout.close().catch(() => undefined);
  }
}
