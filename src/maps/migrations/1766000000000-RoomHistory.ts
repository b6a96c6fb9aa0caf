import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * The rooms' timeline for replay (maps/history-store.ts): every room event as it was sent, and
 * periodic snapshots of each active room. No entities describe these two tables: the event text
 * and the snapshot state can pass 64 KiB (a built event carries the whole map), which needs
 * MEDIUMTEXT on MySQL, a type SQLite does not know; so the store reads and writes them with plain
 * SQL and the schema differs by dialect only in that one type.
 */
export class RoomHistory1766000000000 implements MigrationInterface {
  name = 'RoomHistory1766000000000';

  async up(q: QueryRunner): Promise<void> {
    const sqlite = q.connection.driver.options.type === 'better-sqlite3';
    const id = {
      name: 'id',
      // SQLite autoincrements only an INTEGER PRIMARY KEY.
      type: sqlite ? 'integer' : 'bigint',
      isPrimary: true,
      isGenerated: true,
      generationStrategy: 'increment' as const,
    };
    const common = [
      { name: 'room_id', type: 'varchar', length: '64' },
      // The live state's epoch when the row was written: a room whose live state is lost and
      // rebuilt may start its seq again, and (epoch, seq) then still names one event.
      { name: 'epoch', type: 'varchar', length: '64', isNullable: true },
      { name: 'seq', type: 'int' },
      // Server time, ms since 1970.
      { name: 'at', type: 'bigint' },
    ];
    const big = sqlite ? 'text' : 'mediumtext';
    await q.createTable(
      new Table({
        name: 'room_events',
        columns: [id, ...common, { name: 'json', type: big }],
        indices: [new TableIndex({ name: 'IDX_room_events_room_seq', columnNames: ['room_id', 'seq'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'room_snapshots',
        columns: [id, ...common, { name: 'state', type: big }],
        indices: [
          new TableIndex({ name: 'IDX_room_snapshots_room_seq', columnNames: ['room_id', 'seq'] }),
          new TableIndex({ name: 'IDX_room_snapshots_room_at', columnNames: ['room_id', 'at'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('room_snapshots');
    await q.dropTable('room_events');
  }
}
