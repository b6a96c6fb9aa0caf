import type { DataSource } from 'typeorm';
import { withDeadline } from '../common/deadline';
import { fromDatabase } from './sql-errors';

/** The part of mysql2's promise API used here. */
interface PooledConnection {
  query(options: { sql: string; timeout?: number }): Promise<unknown>;
  execute(options: { sql: string; timeout?: number }, values: unknown[]): Promise<unknown>;
  release(): void;
  destroy(): void;
}
interface PromisePool {
  getConnection(): Promise<PooledConnection>;
}

/** Runs one statement (with its parameters) of a batch. */
export type RunStatement = (sql: string, values: unknown[]) => Promise<void>;

/**
 * Writes through the mysql2 pool under TypeORM's MySQL driver, for batches of many rows: TypeORM's
 * `query` passes the parameters to mysql2's `query`, which splices every value into the SQL text,
 * escaping each string in JavaScript (a cost per row that showed in the server's profile). A
 * prepared statement (`execute`) sends them apart, as they are. Returns null on SQLite, whose
 * driver takes its parameters apart already.
 */
export function mysqlBatches(ds: DataSource): MysqlBatches | null {
  if (ds.options.type !== 'mysql' && ds.options.type !== 'mariadb') return null;
  return new MysqlBatches(ds);
}

export class MysqlBatches {
  private promisePool?: PromisePool;
  /** The bound on each statement's reply, as TypeORM's own queries have (data-source.ts). */
  private readonly timeoutMs: number | undefined;

  constructor(private readonly ds: DataSource) {
    const o = ds.options as { enableQueryTimeout?: boolean; maxQueryExecutionTime?: number };
    this.timeoutMs = o.enableQueryTimeout && o.maxQueryExecutionTime ? o.maxQueryExecutionTime : undefined;
  }

  /**
   * Runs `work`'s statements in one transaction on a pooled connection of its own: all of them
   * are written, or none. A failing database surfaces as UnavailableError (sql-errors.ts).
   */
  async transaction(work: (run: RunStatement) => Promise<void>): Promise<void> {
    const conn = await this.pool().getConnection().catch(fromDatabase);
    // A connection that stopped answering, or whose state is unknown, leaves the pool.
    let broken = false;
    const step = <T>(p: Promise<T>): Promise<T> =>
      this.bounded(p).catch((err: unknown) => {
        if ((err as { code?: unknown }).code === 'PROTOCOL_SEQUENCE_TIMEOUT' || (err as { fatal?: unknown }).fatal)
          broken = true;
        throw err;
      });
    const timeout = this.timeoutMs;
    try {
      await step(conn.query({ sql: 'START TRANSACTION', timeout }));
      await work(async (sql, values) => void (await step(conn.execute({ sql, timeout }, values))));
      await step(conn.query({ sql: 'COMMIT', timeout }));
    } catch (err) {
      if (!broken)
        await step(conn.query({ sql: 'ROLLBACK', timeout })).catch(() => {
          broken = true;
        });
      fromDatabase(err);
    } finally {
      if (broken) conn.destroy();
      else conn.release();
    }
  }

  private pool(): PromisePool {
    this.promisePool ??= (this.ds.driver as unknown as { pool: { promise(): PromisePool } }).pool.promise();
    return this.promisePool;
  }

  /**
   * mysql2 bounds a statement's reply (`timeout`) but not the preparing of a statement it has not
   * seen on that connection yet: on a database that stopped answering, that would wait forever
   * (and every later batch behind it). So each step is bounded here too.
   */
  private bounded<T>(p: Promise<T>): Promise<T> {
    const ms = this.timeoutMs;
    if (!ms) return p;
    // Later than mysql2's own timer, which fires first whenever the statement was sent.
    return withDeadline(p, ms + 100, () => {
      throw Object.assign(new Error('Query inactivity timeout'), { code: 'PROTOCOL_SEQUENCE_TIMEOUT' });
    });
  }
}
