import { type MigrationInterface, type QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';

/** Written with TypeORM's schema builder so the same migration runs on MySQL and SQLite. */
export class InitSchema1764000000000 implements MigrationInterface {
  name = 'InitSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    // Timestamps are the one place the dialects differ: what TypeORM's Create/UpdateDateColumn
    // expect on MySQL/MariaDB (microseconds, ON UPDATE) versus SQLite's datetime('now').
    const sqlite = q.connection.driver.options.type === 'better-sqlite3';
    const timestamp = (name: string, onUpdate: boolean) =>
      sqlite
        ? { name, type: 'datetime', default: "(datetime('now'))" }
        : {
            name,
            type: 'datetime',
            precision: 6,
            default: 'CURRENT_TIMESTAMP(6)',
            ...(onUpdate ? { onUpdate: 'CURRENT_TIMESTAMP(6)' } : {}),
          };
    await q.createTable(
      new Table({
        name: 'users',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'name', type: 'varchar', length: '64' },
          timestamp('created_at', false),
          timestamp('updated_at', true),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'games',
        columns: [
          { name: 'id', type: 'int', isPrimary: true },
          { name: 'name', type: 'varchar', length: '100' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'library',
        columns: [
          { name: 'user_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'game_id', type: 'int', isPrimary: true },
        ],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
            onUpdate: 'NO ACTION',
          }),
          new TableForeignKey({
            columnNames: ['game_id'],
            referencedTableName: 'games',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
            onUpdate: 'NO ACTION',
          }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'rooms',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'owner_id', type: 'varchar', length: '64' },
          { name: 'width', type: 'int' },
          { name: 'height', type: 'int' },
          { name: 'version', type: 'int', default: 0 },
        ],
        // The name TypeORM derives for the entity's unique owner_id, so entities and schema agree.
        indices: [
          new TableIndex({ name: 'IDX_9f38c339cb7a6e33b02f9d2c74', columnNames: ['owner_id'], isUnique: true }),
        ],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ['owner_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
            onUpdate: 'NO ACTION',
          }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'map_objects',
        columns: [
          { name: 'room_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'kind', type: 'varchar', length: '32' },
          { name: 'x', type: 'int' },
          { name: 'y', type: 'int' },
          { name: 'w', type: 'int' },
          { name: 'h', type: 'int' },
          { name: 'game_id', type: 'int', isNullable: true },
        ],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ['room_id'],
            referencedTableName: 'rooms',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
            onUpdate: 'NO ACTION',
          }),
          new TableForeignKey({
            columnNames: ['game_id'],
            referencedTableName: 'games',
            referencedColumnNames: ['id'],
            onDelete: 'NO ACTION',
            onUpdate: 'NO ACTION',
          }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['map_objects', 'rooms', 'library', 'games', 'users']) await q.dropTable(t);
  }
}
