/**
 * Typed domain errors. Services throw them; the WebSocket edge turns each into one protocol
 * `error` frame (rooms/protocol-error.filter.ts). Anything else that escapes a handler is a bug (INTERNAL)
 * unless it is a backing-service failure (UNAVAILABLE).
 */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'NOT_IN_ROOM'
  | 'ROOM_NOT_FOUND'
  | 'FORBIDDEN'
  | 'BLOCKED'
  | 'CONFLICT'
  | 'INVALID_BUILD'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = `${code}Error`;
  }
}

export class BadRequestError extends ProtocolError {
  constructor(message: string) { super('BAD_REQUEST', message); }
}
export class NotInRoomError extends ProtocolError {
  constructor(message = 'enter a room first') { super('NOT_IN_ROOM', message); }
}
export class RoomNotFoundError extends ProtocolError {
  constructor(roomId: string) { super('ROOM_NOT_FOUND', `no room ${roomId}`); }
}
export class ForbiddenError extends ProtocolError {
  constructor(message: string) { super('FORBIDDEN', message); }
}
export class BlockedError extends ProtocolError {
  constructor(x: number, y: number) { super('BLOCKED', 'that step is blocked', { x, y }); }
}
export class ConflictError extends ProtocolError {
  constructor(version: number) {
    super('CONFLICT', `the map is at version ${version}; rebuild on it`, { version });
  }
}
export class InvalidBuildError extends ProtocolError {
  constructor(message: string, opIndex?: number) {
    super('INVALID_BUILD', opIndex === undefined ? message : `op ${opIndex}: ${message}`,
      opIndex === undefined ? {} : { op: opIndex });
  }
}
export class RateLimitedError extends ProtocolError {
  constructor(retryAfterMs: number) {
    super('RATE_LIMITED', 'too many messages', { retryAfterMs });
  }
}
export class UnavailableError extends ProtocolError {
  constructor(message = 'a backing service is unavailable; nothing was changed, try again') {
    super('UNAVAILABLE', message);
  }
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN', 'ER_CON_COUNT_ERROR', 'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
]);
const UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'LockError', 'ExecutionError']);
const UNAVAILABLE_MESSAGES = [/connection is closed/i, /stream isn't writeable/i, /connect ECONNREFUSED/i, /Channel closed/i, /Connection closed/i, /unavailable/i];

/** True when an error means a backing service (Redis, MySQL, RabbitMQ, a lock) failed us. */
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { code?: string; errno?: string };
  if (e.code && UNAVAILABLE_CODES.has(e.code)) return true;
  if (UNAVAILABLE_NAMES.has(e.name)) return true;
  return UNAVAILABLE_MESSAGES.some((re) => re.test(e.message));
}
