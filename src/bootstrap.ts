import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { serveWebClient } from './api/web-client';
import { AppModule } from './app.module';
import { TokenService } from './auth/token.service';
import type { AppConfig } from './config/config';
import { createLogger, LOGGER, type Logger, NestPinoLogger } from './logging/logger';
import { MapStore } from './maps/map-store';
import { RoomWsAdapter } from './rooms/room-ws.adapter';
import { RoomsService } from './rooms/rooms.service';

export interface RunningServer {
  app: INestApplication;
  port: number;
  url: string;
  /** SIGTERM behaviour: drain clients, remove our avatars, close. */
  shutdown(): Promise<void>;
}

/** Builds and starts the server; used by main.ts and by the tests (with their own config). */
export async function startServer(config: AppConfig, logger?: Logger): Promise<RunningServer> {
  const log = logger ?? createLogger(config.logLevel, config.instanceId);
  if (config.mode !== 'services') {
    throw new Error('embedded mode is not available yet: set REDIS_URL and MYSQL_URL');
  }
  if (config.usingDevSecret) log.warn('JWT_SECRET is not set: using the public development secret (never in production)');
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, log), {
    logger: new NestPinoLogger(log),
    bufferLogs: false,
  });
  const rooms = app.get(RoomsService);
  app.useWebSocketAdapter(
    new RoomWsAdapter(app, {
      config,
      tokens: app.get(TokenService),
      maps: app.get(MapStore),
      log: app.get(LOGGER),
      isDraining: () => rooms.isDraining,
    }),
  );
  serveWebClient(app, log);
  await app.listen(config.port, config.host);
  const port = (app.getHttpServer().address() as AddressInfo).port;
  log.info({ port, mode: config.mode, instance: config.instanceId }, `listening on http://localhost:${port} (ws: /ws)`);

  let closing: Promise<void> | undefined;
  const shutdown = () => {
    closing ??= (async () => {
      log.info('shutting down: draining clients');
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((r) => { timer = setTimeout(r, config.shutdownTimeoutMs); });
      await Promise.race([rooms.drain(1000), deadline]);
      clearTimeout(timer);
      await app.close();
      log.info('shut down');
    })();
    return closing;
  };
  return { app, port, url: `http://127.0.0.1:${port}`, shutdown };
}
