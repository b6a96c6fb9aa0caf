import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type QueryResult } from 'typeorm';
import type { Member, RoomMap } from '../protocol/messages';
import { DATA_SOURCE, MapStore } from './map-store';
import { type MysqlBatches, mysqlBatches } from './mysql-batches';
import { fromDatabase } from './sql-errors';

/** One room event as the timeline keeps it: the text clients got, its seq and server time. */
export interface LoggedEvent {
  roomId: string;
  /** The live state's epoch, when it has one (null: none known). */
  epoch: string | null;
  seq: number;
  /** Server time, ms since 1970. */
  at: number;
  json: string;
}

/** A room as it was right after event `seq`. */
export interface RoomSnapshotRow {
  roomId: string;
  epoch: string | null;
  seq: number;
  at: number;
  map: RoomMap;
  members: Member[];
}

/** Where a timeline point lies: an event's seq and time. */
export interface TimelinePoint {
  seq: number;
  at: number;
}

/** Rows per INSERT: far below SQLite's bound on parameters and MySQL's packet size for usual events. */
const INSERT_ROWS = 200;
/**
 * On MySQL a batch is written as prepared INSERTs of these many rows (the largest that fit, then
 * smaller): a few statement shapes, each prepared once per connection, rather than one per size.
 */
const PREPARED_ROWS = [128, 64, 32, 16, 8, 4, 2, 1];
const insertEvents = (rows: number) =>
  `INSERT INTO room_events (room_id, epoch, seq, at, json) VALUES ${Array<string>(rows).fill('(?, ?, ?, ?, ?)').join(', ')}`;
const PREPARED_SQL = new Map(PREPARED_ROWS.map((n) => [n, insertEvents(n)]));
const INSERT_SNAPSHOT = 'INSERT INTO room_snapshots (room_id, epoch, seq, at, state) VALUES (?, ?, ?, ?, ?)';
const snapshotValues = (s: RoomSnapshotRow) => [s.roomId, s.epoch, s.seq, s.at, snapshotState(s)];

/**
 * The rooms' timeline in SQL (MySQL, or the SQLite file in embedded mode): the log of every room
 * event and periodic snapshots of each room. Plain SQL over the two tables of its migration
 * (1766000000000-RoomHistory.ts says why they have no entities). Writes go through MapStore's
 * transactions, which on SQLite take turns on its one connection: a lone INSERT there would
 * otherwise run inside whatever transaction another caller has open, and share its rollback. On
 * MySQL the batches of events, the one write on the move path, go as prepared statements on a
 * pooled connection of their own (mysql-batches.ts).
 */
@Injectable()
export class HistoryStore {
  private readonly mysql: MysqlBatches | null;

  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    private readonly maps: MapStore,
  ) {
    this.mysql = mysqlBatches(ds);
  }

  /**
   * Appends events, and any snapshots taken meanwhile, in one transaction (a few INSERTs of many
   * rows each): one commit for all of them, on one pooled connection; all of them, or none.
   */
  async append(events: LoggedEvent[], snapshots: RoomSnapshotRow[] = []): Promise<void> {
    if (events.length === 0 && snapshots.length === 0) return;
    if (this.mysql) {
      await this.mysql.transaction(async (run) => {
        let i = 0;
        for (const rows of PREPARED_ROWS)
          for (; events.length - i >= rows; i += rows) await run(PREPARED_SQL.get(rows)!, rowValues(events, i, rows));
        for (const s of snapshots) await run(INSERT_SNAPSHOT, snapshotValues(s));
      });
      return;
    }
    await this.maps.transaction(async (m) => {
      for (let i = 0; i < events.length; i += INSERT_ROWS) {
        const rows = events.slice(i, i + INSERT_ROWS);
        await m.query(insertEvents(rows.length), rowValues(rows, 0, rows.length));
      }
      for (let i = 0; i < snapshots.length; i += INSERT_ROWS) {
        const rows = snapshots.slice(i, i + INSERT_ROWS);
        await m.query(
          `INSERT INTO room_snapshots (room_id, epoch, seq, at, state) VALUES ${rows.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
          rows.flatMap(snapshotValues),
        );
      }
    });
  }

  async saveSnapshot(s: RoomSnapshotRow): Promise<void> {
    await this.append([], [s]);
  }

  /** The latest snapshot at or before the point (by seq, or by time), or null when none is kept. */
  async snapshotBefore(roomId: string, point: { seq: number } | { at: number }): Promise<RoomSnapshotRow | null> {
    const [column, value] = 'seq' in point ? ['seq', point.seq] : ['at', point.at];
    // The newest such row: within one epoch the latest before the point, and when the room's seq
    // started again (another epoch), a seq names the latest run's event.
    const rows = await this.read<SnapshotSql>(
      `SELECT room_id, epoch, seq, at, state FROM room_snapshots WHERE room_id = ? AND ${column} <= ?
       ORDER BY at DESC, id DESC LIMIT 1`,
      [roomId, value],
    );
    return rows.length ? snapshotOf(rows[0]) : null;
  }

  /** The room's newest snapshot of any epoch but `epoch` (a lost run's last), or null when none is kept. */
  async newestSnapshotBesides(roomId: string, epoch: string): Promise<RoomSnapshotRow | null> {
    const rows = await this.read<SnapshotSql>(
      `SELECT room_id, epoch, seq, at, state FROM room_snapshots WHERE room_id = ? AND (epoch IS NULL OR epoch <> ?)
       ORDER BY at DESC, id DESC LIMIT 1`,
      [roomId, epoch],
    );
    return rows.length ? snapshotOf(rows[0]) : null;
  }

  /** The oldest point a room can be rebuilt at (its oldest snapshot), or null when nothing is kept. */
  async earliest(roomId: string): Promise<TimelinePoint | null> {
    const rows = await this.read<PointSql>(
      'SELECT seq, at FROM room_snapshots WHERE room_id = ? ORDER BY at ASC, id ASC LIMIT 1',
      [roomId],
    );
    return rows.length ? pointOf(rows[0]) : null;
  }

  /** The newest logged event of the room, or null. */
  async latest(roomId: string): Promise<TimelinePoint | null> {
    const rows = await this.read<PointSql>(
      'SELECT seq, at FROM room_events WHERE room_id = ? ORDER BY seq DESC, at DESC LIMIT 1',
      [roomId],
    );
    return rows.length ? pointOf(rows[0]) : null;
  }

  /** The highest seq of the room's kept events, in any epoch (0: none kept). */
  async highestSeq(roomId: string): Promise<number> {
    const [row] = await this.read<{ seq: number | string | null }>(
      'SELECT MAX(seq) AS seq FROM room_events WHERE room_id = ?',
      [roomId],
    );
    return Number(row?.seq ?? 0);
  }

  /** Up to `limit` events of the room with seq > `afterSeq` of one epoch, in seq order. */
  async eventsAfter(roomId: string, epoch: string | null, afterSeq: number, limit: number): Promise<LoggedEvent[]> {
    const rows = await this.read<EventSql>(
      `SELECT room_id, epoch, seq, at, json FROM room_events
       WHERE room_id = ? AND ${epoch === null ? 'epoch IS NULL' : 'epoch = ?'} AND seq > ?
       ORDER BY seq ASC, id ASC LIMIT ${Math.max(1, Math.floor(limit))}`,
      epoch === null ? [roomId, afterSeq] : [roomId, epoch, afterSeq],
    );
    return rows.map((r) => ({ roomId: r.room_id, epoch: r.epoch, seq: Number(r.seq), at: Number(r.at), json: r.json }));
  }

  /**
   * Forgets what is older than `cutoff` (ms since 1970) while keeping every point after it
   * rebuildable: per room, the newest snapshot at or before the cutoff stays, with every event
   * after it; older snapshots and the events they cover go. So a room keeps at least the
   * retention, and its earliest point is that snapshot. Returns the rows deleted.
   */
  async prune(cutoff: number): Promise<number> {
    const keep = await this.read<{ room_id: string; at: number | string }>(
      'SELECT room_id, MAX(at) AS at FROM room_snapshots WHERE at <= ? GROUP BY room_id',
      [cutoff],
    );
    let deleted = 0;
    for (const { room_id: roomId, at } of keep) {
      const [base] = await this.read<PointSql & { id: number | string }>(
        'SELECT id, seq, at FROM room_snapshots WHERE room_id = ? AND at = ? ORDER BY id DESC LIMIT 1',
        [roomId, Number(at)],
      );
      if (!base) continue;
      deleted += await this.maps.transaction(async (m) => {
        // A structured result: the one form in which both drivers report the rows a DELETE removed.
        const run = (sql: string, params: unknown[]) => m.queryRunner!.query(sql, params, true) as Promise<QueryResult>;
        const events = await run('DELETE FROM room_events WHERE room_id = ? AND seq <= ? AND at <= ?', [
          roomId,
          Number(base.seq),
          Number(base.at),
        ]);
        const snaps = await run('DELETE FROM room_snapshots WHERE room_id = ? AND at <= ? AND id <> ?', [
          roomId,
          Number(base.at),
          Number(base.id),
        ]);
        return (events.affected ?? 0) + (snaps.affected ?? 0);
      });
    }
    return deleted;
  }

  private read<T>(sql: string, params: unknown[]): Promise<T[]> {
    return (this.ds.query(sql, params) as Promise<T[]>).catch(fromDatabase);
  }
}

function rowValues(events: LoggedEvent[], from: number, rows: number): unknown[] {
  const values: unknown[] = [];
  for (let i = from; i < from + rows; i++) {
    const e = events[i];
    values.push(e.roomId, e.epoch, e.seq, e.at, e.json);
  }
  return values;
}

// mysql2 hands BIGINT columns back as strings; SQLite as numbers.
interface PointSql {
  seq: number | string;
  at: number | string;
}
interface EventSql extends PointSql {
  room_id: string;
  epoch: string | null;
  json: string;
}
interface SnapshotSql extends PointSql {
  room_id: string;
  epoch: string | null;
  state: string;
}

function pointOf(r: PointSql): TimelinePoint {
  return { seq: Number(r.seq), at: Number(r.at) };
}

function snapshotOf(r: SnapshotSql): RoomSnapshotRow {
  const state = JSON.parse(r.state) as { map: RoomMap; members: Member[] };
  return { roomId: r.room_id, epoch: r.epoch, seq: Number(r.seq), at: Number(r.at), ...state };
}

/** What a snapshot row's `state` column holds. */
function snapshotState(s: RoomSnapshotRow): string {
  return JSON.stringify({ map: s.map, members: s.members });
}
