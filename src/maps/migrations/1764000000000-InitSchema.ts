import { type MigrationInterface, type QueryRunner, Table, TableForeignKey } from 'typeorm';

/** Written with TypeORM's schema builder so the same migration runs on MySQL and SQLite. */
export class InitSchema1764000000000 implements MigrationInterface {
  name = 'InitSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(new Table({
      name: 'users',
      columns: [
        { name: 'id', type: 'varchar', length: '64', isPrimary: true },
        { name: 'name', type: 'varchar', length: '64' },
        { name: 'created_at', type: 'datetime', default: 'CURRENT_TIMESTAMP' },
        { name: 'updated_at', type: 'datetime', default: 'CURRENT_TIMESTAMP' },
      ],
    }));
    await q.createTable(new Table({
      name: 'games',
      columns: [
        { name: 'id', type: 'int', isPrimary: true },
        { name: 'name', type: 'varchar', length: '100' },
      ],
    }));
    await q.createTable(new Table({
      name: 'library',
      columns: [
        { name: 'user_id', type: 'varchar', length: '64', isPrimary: true },
        { name: 'game_id', type: 'int', isPrimary: true },
      ],
      foreignKeys: [
        new TableForeignKey({ columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        new TableForeignKey({ columnNames: ['game_id'], referencedTableName: 'games', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
      ],
    }));
    await q.createTable(new Table({
      name: 'rooms',
      columns: [
        { name: 'id', type: 'varchar', length: '64', isPrimary: true },
        { name: 'owner_id', type: 'varchar', length: '64', isUnique: true },
        { name: 'width', type: 'int' },
        { name: 'height', type: 'int' },
        { name: 'version', type: 'int', default: 0 },
      ],
      foreignKeys: [
        new TableForeignKey({ columnNames: ['owner_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
      ],
    }));
    await q.createTable(new Table({
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
        new TableForeignKey({ columnNames: ['room_id'], referencedTableName: 'rooms', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        new TableForeignKey({ columnNames: ['game_id'], referencedTableName: 'games', referencedColumnNames: ['id'] }),
      ],
    }));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['map_objects', 'rooms', 'library', 'games', 'users']) await q.dropTable(t);
  }
}
