import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { type ArgumentsHost, Catch, HttpException, Inject } from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import type { Request, Response } from 'express';
import { LOGGER, type Logger } from '../logging/logger';
import { type ErrorCode, ProtocolError, UnavailableError } from '../protocol/errors';

/** An RFC 9457 problem: what every /api error answers, as `application/problem+json`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The same codes as the WebSocket protocol's `error` frames, where one fits. */
  code: string;
  /** 400: the body field or parameter to blame. */
  field?: string;
  [extra: string]: unknown;
}

const STATUS_OF: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  NOT_IN_ROOM: 404,
  ROOM_NOT_FOUND: 404,
  FORBIDDEN: 403,
  BLOCKED: 409,
  CONFLICT: 409,
  INVALID_BUILD: 400,
  RATE_LIMITED: 429,
  // The timeline no longer holds that point: pruned, as 410 Gone says.
  OUT_OF_RANGE: 410,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

const CODE_OF: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

/** The problem `type`: a stable URI per code, documented in the README's HTTP API section. */
export const problemType = (code: string) => `urn:myroom:problem:${code.toLowerCase().replace(/_/g, '-')}`;

/**
 * One exception filter for every route under /api: typed domain errors, Nest's HTTP exceptions
 * and backing-service failures all answer as problems. Other routes (health, metrics, the web
 * client's files) keep Nest's default answers.
 */
@Catch()
export class ApiProblemFilter extends BaseExceptionFilter {
  constructor(
    adapterHost: HttpAdapterHost,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    super(adapterHost.httpAdapter);
  }

  override catch(err: unknown, host: ArgumentsHost): void {
    // WebSocket errors are the gateway's own filter's (rooms/protocol-error.filter.ts).
    if (host.getType() !== 'http') return;
    const req = host.switchToHttp().getRequest<Request>();
    if (!req.path.startsWith('/api/') && req.path !== '/api') {
      super.catch(err, host);
      return;
    }
    const problem = this.toProblem(err, req);
    const res = host.switchToHttp().getResponse<Response>();
    if (problem.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    if (typeof problem.retryAfterMs === 'number')
      res.setHeader('Retry-After', String(Math.ceil(problem.retryAfterMs / 1000)));
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }

  private toProblem(err: unknown, req: Request): Problem {
    if (err instanceof ProtocolError) {
      if (err instanceof UnavailableError)
        this.log.warn({ err, cause: err.cause, path: req.path }, 'backing service unavailable');
      return problem(STATUS_OF[err.code], err.code, err.message, err.extra);
    }
    if (err instanceof HttpException) {
      const status = err.getStatus();
      const body = err.getResponse();
      const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
      const message = Array.isArray(fields.message)
        ? fields.message.join('; ')
        : typeof fields.message === 'string'
          ? fields.message
          : err.message;
      const extra: Record<string, unknown> = {};
      if (typeof fields.field === 'string') extra.field = fields.field;
      if (typeof fields.retryAfterMs === 'number') extra.retryAfterMs = fields.retryAfterMs;
      return problem(
        status,
        typeof fields.code === 'string' ? fields.code : (CODE_OF[status] ?? 'ERROR'),
        message,
        extra,
      );
    }
    // The body parsers' own refusals (too large, malformed JSON) come as http-errors: a client
    // error with a status and a message meant to be shown.
    const { status, expose, message } = (err ?? {}) as { status?: unknown; expose?: unknown; message?: unknown };
    if (typeof status === 'number' && status >= 400 && status < 500 && expose === true) {
      return problem(status, CODE_OF[status] ?? 'BAD_REQUEST', typeof message === 'string' ? message : 'bad request');
    }
    const correlationId = randomUUID();
    this.log.error({ err, correlationId, path: req.path }, 'internal error');
    return problem(500, 'INTERNAL', `internal error (correlation id ${correlationId})`, { correlationId });
  }
}

function problem(status: number, code: string, detail: string, extra: Record<string, unknown> = {}): Problem {
  return { type: problemType(code), title: STATUS_CODES[status] ?? 'Error', status, detail, code, ...extra };
}
