import { UnavailableError } from '../protocol/errors';

/**
 * How the database drivers say the database failed us rather than that our query is wrong, so
 * MapStore can say it in the project's terms. TypeORM wraps a failed query in QueryFailedError and
 * copies the driver's `code` onto it; a lost or refused connection (pool checkout, transaction
 * start) reaches us as the driver's own error. Both carry the same codes:
 * - mysql2: socket errors, a connection lost mid-query, a server shutting down or full, and the
 *   lock waits and deadlocks InnoDB resolves by aborting one transaction (retrying is the cure);
 * - better-sqlite3 (embedded mode): the file locked by another writer (e.g. `npm run seed`), or
 *   unreadable.
 * Anything else (a constraint, a syntax error) is a bug and is passed on untouched.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
]);

export function isDatabaseUnavailable(err: unknown): boolean {
  // Not `instanceof Error`: socket errors are made by Node's core, which may be another realm (jest).
  if (typeof err !== 'object' || err === null) return false;
  const { code, driverError } = err as { code?: unknown; driverError?: { code?: unknown } };
  const c = typeof code === 'string' ? code : driverError?.code;
  // SQLite's extended codes name the cause after the primary one: SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT...
  return (
    typeof c === 'string' &&
    (UNAVAILABLE_CODES.has(c) || UNAVAILABLE_CODES.has(c.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1')))
  );
}

/** For `.catch()` on every database call of MapStore: a failing database becomes UnavailableError. */
export function fromDatabase(err: unknown): never {
  if (isDatabaseUnavailable(err))
    throw new UnavailableError('the database is unavailable; nothing was changed, try again', { cause: err });
  throw err;
}
