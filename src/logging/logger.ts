import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { currentTraceIds, tracingActive } from '../tracing/tracing';

export type { Logger };
export const LOGGER = Symbol('LOGGER');

/**
 * Structured logs; every line about a socket carries instance, user, room and session (and, when
 * tracing, trace_id and span_id). JSON lines
 * for log collectors, or coloured one-liners when stdout is a terminal (`npm start` by hand).
 */
export function createLogger(
  level: string,
  instanceId: string,
  pretty = process.stdout.isTTY === true,
  destination?: pino.DestinationStream,
): Logger {
  // A synchronous stream rather than a transport: no worker thread, and no lines lost at exit.
  const stream =
    destination ??
    (pretty ? pinoPretty({ sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' }) : undefined);
  return pino(
    {
      level,
      base: { instance: instanceId },
      redact: { paths: REDACTED, censor: '[redacted]' },
      // With tracing on, a line written inside a span carries its trace_id and span_id (the names
      // OpenTelemetry's log data model uses), so a trace finds its lines and a line its trace.
      ...(tracingActive() ? { mixin: () => currentTraceIds() ?? {} } : {}),
    },
    stream,
  );
}

/**
 * Credentials that a logged request, error or object could carry: request headers (the
 * WebSocket token travels in Authorization or Sec-WebSocket-Protocol) and `token` fields.
 * No line logs them today; this keeps a future `log.info({ req })` from starting to.
 */
const REDACTED = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["sec-websocket-protocol"]',
  'headers.authorization',
  'headers.cookie',
  'headers["sec-websocket-protocol"]',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'jwtSecret',
  '*.jwtSecret',
];

/** Routes Nest's own framework logs into the same structured stream. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}
