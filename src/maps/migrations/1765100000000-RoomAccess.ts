import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/** Who may enter a room (RoomAccessEntity, RoomAccessUserEntity), the same on MySQL and SQLite. */
export class RoomAccess1765100000000 implements MigrationInterface {
  name = 'RoomAccess1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'room_access',
        columns: [
          { name: 'room_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'mode', type: 'varchar', length: '16' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'room_access_users',
        columns: [
          { name: 'room_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'kind', type: 'varchar', length: '8', isPrimary: true },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('room_access_users');
    await q.dropTable('room_access');
  }
}
