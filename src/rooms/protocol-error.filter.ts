import { randomUUID } from 'node:crypto';
import { type ArgumentsHost, Catch, Inject, Injectable, type WsExceptionFilter } from '@nestjs/common';
import type WebSocket from 'ws';
import { LOGGER, type Logger } from '../logging/logger';
import type { ErrorMessage } from '../protocol/messages';
import { ProtocolError, UnavailableError } from '../protocol/errors';
import { type ClientSession, sessionOf } from './client-session';
import { errorsSent } from '../common/metrics';

/** Turns anything a handler throws into one protocol `error` message, echoing the request's `id`. */
export function errorMessage(err: unknown, requestId: string | undefined, log: Logger): ErrorMessage {
  let e: ProtocolError;
  if (err instanceof ProtocolError) {
    e = err;
    // An adapter's translation of a driver failure: the driver's own error is for the logs.
    if (err instanceof UnavailableError && err.cause !== undefined) log.warn({ err }, 'backing service unavailable');
  } else {
    const correlationId = randomUUID();
    log.error({ err, correlationId }, 'internal error');
    e = new ProtocolError('INTERNAL', `internal error (correlation id ${correlationId})`, { correlationId });
  }
  errorsSent.inc({ code: e.code });
  return {
    type: 'error',
    code: e.code,
    message: e.message,
    ...(requestId !== undefined ? { id: requestId } : {}),
    ...e.extra,
  };
}

export function sendError(session: ClientSession, err: unknown, requestId?: string): void {
  session.sendMessage(errorMessage(err, requestId, session.log));
}

@Catch()
@Injectable()
export class ProtocolErrorFilter implements WsExceptionFilter {
  constructor(@Inject(LOGGER) private readonly log: Logger) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const ws = host.switchToWs();
    const session = sessionOf(ws.getClient<WebSocket>());
    const data = ws.getData<{ id?: string } | undefined>();
    if (session) sendError(session, err, data?.id);
    else this.log.error({ err }, 'error on a socket without a session');
  }
}
