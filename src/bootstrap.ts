import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { applyHttpSecurity } from './api/http-security';
import { serveOpenApi } from './api/openapi';
import { serveWebClient } from './api/web-client';
import { AppModule } from './app.module';
import { TokenService } from './auth/token.service';
import { ShutdownRequest } from './common/shutdown-request';
import type { AppConfig } from './config/config';
import { createLogger, LOGGER, type Logger, NestPinoLogger } from './logging/logger';
import { DATA_SOURCE, MapStore } from './maps/map-store';
import { seedDemoData } from './maps/seed';
import { RoomWsAdapter } from './rooms/edge/room-ws.adapter';
import { SessionRegistry } from './rooms/session-registry';
import { RoomsService } from './rooms/rooms.service';

export interface RunningServer {
  app: INestApplication;
  port: number;
  url: string;
  /** SIGTERM behaviour: drain clients, remove our avatars, close. */
  shutdown(): Promise<void>;
  /** Resolves once a shutdown finished, whoever asked for it (a signal, or POST /api/instances/:id/drain). */
  closed: Promise<void>;
}

/** Builds and starts the server; used by main.ts and by the tests (with their own config). */
export async function startServer(config: AppConfig, logger?: Logger): Promise<RunningServer> {
  const log = logger ?? createLogger(config.logLevel, config.instanceId);
  if (config.auth.usingDevSecret)
    log.warn('JWT_SECRET is not set: using the public development secret, on loopback only');
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, log), {
    logger: new NestPinoLogger(log),
    bufferLogs: false,
    // applyHttpSecurity registers the body parsers, with their size limit.
    bodyParser: false,
  });
  applyHttpSecurity(app, config);
  if (config.seedDemoData) {
    await seedDemoData(app.get(DATA_SOURCE), config.rooms.defaultWidth, config.rooms.defaultHeight).catch(
      async (err: unknown) => {
        await app.close();
        throw err;
      },
    );
    log.info('demo data ready: users 1-10 (user1…user10), games 1-20, their rooms');
  }
  const sessions = app.get(SessionRegistry);
  const rooms = app.get(RoomsService);
  app.useWebSocketAdapter(
    new RoomWsAdapter(app, {
      config,
      tokens: app.get(TokenService),
      maps: app.get(MapStore),
      log: app.get(LOGGER),
      isDraining: () => sessions.isDraining,
      move: (session, msg) => rooms.move(session, msg),
    }),
  );
  serveOpenApi(app);
  serveWebClient(app, log);
  await app.listen(config.port, config.host);
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const url = `http://${displayHost(config.host)}:${port}/`;
  log.info({ port, mode: config.mode, instance: config.instanceId }, describeMode(config));
  log.info({ port, url, mode: config.mode }, `listening: open ${url} (WebSocket at ${url.replace(/^http/, 'ws')}ws)`);

  let closing: Promise<void> | undefined;
  let markClosed = () => {};
  const closed = new Promise<void>((r) => {
    markClosed = r;
  });
  const shutdown = () => {
    closing ??= (async () => {
      log.info('shutting down: draining clients');
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((r) => {
        timer = setTimeout(r, config.shutdownTimeoutMs);
      });
      await Promise.race([sessions.drain(1000, config.drainGraceMs), deadline]);
      clearTimeout(timer);
      await app.close();
      log.info('shut down');
      markClosed();
    })();
    return closing;
  };
  app.get(ShutdownRequest).onRequest(() => {
    shutdown().catch((err: unknown) => log.error({ err }, 'shutdown failed'));
  });
  return { app, port, url: `http://127.0.0.1:${port}`, shutdown, closed };
}

/** One line saying where this instance keeps things, so nobody wonders which mode is running. */
export function describeMode(config: AppConfig): string {
  if (config.mode === 'embedded') {
    return (
      `embedded single-instance mode: state in memory, maps in ${config.sqlite.path}` +
      ' (set REDIS_URL and MYSQL_URL to run several instances on shared services)'
    );
  }
  const fanout = config.rabbitmq.url ? `events via RabbitMQ at ${redact(config.rabbitmq.url)}` : 'events in process';
  return `services mode: state in Redis at ${redact(config.redis.url)}, maps in MySQL at ${redact(config.mysql.url)}, ${fanout}`;
}

/** A URL without its password, fit for logs. */
function redact(raw: string): string {
  const url = new URL(raw);
  if (url.password) url.password = '***';
  return url.toString();
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
