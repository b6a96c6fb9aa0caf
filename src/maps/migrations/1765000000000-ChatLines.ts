import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

/** The rooms' chat history (ChatLineEntity), the same on MySQL and SQLite. */
export class ChatLines1765000000000 implements MigrationInterface {
  name = 'ChatLines1765000000000';

  async up(q: QueryRunner): Promise<void> {
    // SQLite autoincrements only an INTEGER PRIMARY KEY (the entity's 'int' means that there).
    const sqlite = q.connection.driver.options.type === 'better-sqlite3';
    await q.createTable(
      new Table({
        name: 'chat_lines',
        columns: [
          {
            name: 'id',
            type: sqlite ? 'integer' : 'int',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'room_id', type: 'varchar', length: '64' },
          { name: 'seq', type: 'int' },
          { name: 'user_id', type: 'varchar', length: '64' },
          { name: 'name', type: 'varchar', length: '64' },
          { name: 'text', type: 'varchar', length: '500' },
          { name: 'at', type: 'varchar', length: '32' },
        ],
        indices: [new TableIndex({ name: 'IDX_chat_lines_room_seq', columnNames: ['room_id', 'seq'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('chat_lines');
  }
}
