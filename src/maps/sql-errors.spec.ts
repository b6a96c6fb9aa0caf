import Database from 'better-sqlite3';
import { QueryFailedError } from 'typeorm';
import { UnavailableError } from '../protocol/errors';
import { fromDatabase, isDatabaseUnavailable } from './sql-errors';

/** mysql2 errors are plain Errors with the code set (as it builds them); the others are the drivers' classes. */
const mysql2Error = (code: string, message: string) => Object.assign(new Error(message), { code, fatal: true });
const sqliteError = (code: string, message: string) => new Database.SqliteError(message, code);
const failedQuery = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);

describe('database errors at the MapStore edge', () => {
  it.each([
    [
      'a lost MySQL connection',
      mysql2Error('PROTOCOL_CONNECTION_LOST', 'Connection lost: The server closed the connection.'),
    ],
    ['a refused connection', mysql2Error('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:3306')],
    ['a query on a lost connection', failedQuery(mysql2Error('PROTOCOL_CONNECTION_LOST', 'Connection lost'))],
    ['an InnoDB deadlock', failedQuery(mysql2Error('ER_LOCK_DEADLOCK', 'Deadlock found when trying to get lock'))],
    ['a lock wait timeout', failedQuery(mysql2Error('ER_LOCK_WAIT_TIMEOUT', 'Lock wait timeout exceeded'))],
    ['an SQLite file locked by another writer', failedQuery(sqliteError('SQLITE_BUSY', 'database is locked'))],
    ['an SQLite I/O error (extended code)', sqliteError('SQLITE_IOERR_WRITE', 'disk I/O error')],
  ])('%s is UNAVAILABLE, with the driver error as cause', (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
    try {
      fromDatabase(err);
    } catch (e) {
      expect(e).toBeInstanceOf(UnavailableError);
      expect((e as Error).cause).toBe(err);
    }
    expect.assertions(3);
  });

  it.each([
    ['a duplicate key', failedQuery(mysql2Error('ER_DUP_ENTRY', "Duplicate entry '1' for key 'PRIMARY'"))],
    [
      'a foreign key violation in SQLite',
      failedQuery(sqliteError('SQLITE_CONSTRAINT_FOREIGNKEY', 'FOREIGN KEY constraint failed')),
    ],
    ['a syntax error', failedQuery(mysql2Error('ER_PARSE_ERROR', 'You have an error in your SQL syntax'))],
    ['a bug of ours', new TypeError('x is undefined')],
  ])('%s is passed on untouched', (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
    try {
      fromDatabase(err);
    } catch (e) {
      expect(e).toBe(err);
    }
    expect.assertions(2);
  });
});
