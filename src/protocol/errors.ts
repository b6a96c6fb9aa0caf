/**
 * Typed domain errors. Services throw them; the WebSocket edge turns each into one protocol
 * `error` frame (rooms/protocol-error.filter.ts). Adapters turn their driver's connectivity
 * failures into `UnavailableError` at their edge, so anything else that escapes a handler is a
 * bug (INTERNAL).
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
  | 'OUT_OF_RANGE'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = `${code}Error`;
  }
}

export class BadRequestError extends ProtocolError {
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }
}
export class NotInRoomError extends ProtocolError {
  constructor(message = 'enter a room first') {
    super('NOT_IN_ROOM', message);
  }
}
export class RoomNotFoundError extends ProtocolError {
  constructor(roomId: string) {
    super('ROOM_NOT_FOUND', `no room ${roomId}`);
  }
}
export class ForbiddenError extends ProtocolError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}
export class BlockedError extends ProtocolError {
  constructor(x: number, y: number) {
    super('BLOCKED', 'that step is blocked', { x, y });
  }
}
export class ConflictError extends ProtocolError {
  constructor(version: number) {
    super('CONFLICT', `the map is at version ${version}; rebuild on it`, { version });
  }
}
export class InvalidBuildError extends ProtocolError {
  constructor(message: string, opIndex?: number) {
    super(
      'INVALID_BUILD',
      opIndex === undefined ? message : `op ${opIndex}: ${message}`,
      opIndex === undefined ? {} : { op: opIndex },
    );
  }
}
export class RateLimitedError extends ProtocolError {
  constructor(retryAfterMs: number) {
    super('RATE_LIMITED', 'too many messages', { retryAfterMs });
  }
}
/**
 * A replay from a point older than what the room's timeline keeps; `earliest` is the oldest point
 * it can replay from (null when nothing of the room is kept yet).
 */
export class OutOfRangeError extends ProtocolError {
  constructor(earliest: { seq: number; time: string } | null) {
    super(
      'OUT_OF_RANGE',
      earliest
        ? `the room's timeline starts at seq ${earliest.seq} (${earliest.time})`
        : 'nothing of this room is kept yet',
      { earliest },
    );
  }
}
/**
 * A backing service (Redis, the database, the broker, a lock) failed us. Thrown by the adapters,
 * which keep the driver's error as `cause` for the logs; clients only see the message.
 */
export class UnavailableError extends ProtocolError {
  constructor(message = 'a backing service is unavailable; nothing was changed, try again', options?: ErrorOptions) {
    super('UNAVAILABLE', message, {}, options);
  }
}

/**
 * The session was dropped while its request was under way (its socket is closing, or this
 * instance lost its lease and dropped every session): nothing was written on its behalf.
 */
export class SessionGoneError extends UnavailableError {
  constructor() {
    super('this session was closed while the request was under way; nothing was changed, reconnect');
  }
}

/**
 * A room's lock could not be taken in time: the room is busy, or the lock service is unreachable
 * (Redlock cannot tell the two apart). Carries no cause: a busy room is not worth a log line.
 */
export class RoomBusyError extends UnavailableError {}
