import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

/**
 * Durable data: users, the game catalogue, who owns which game, rooms and their maps' objects.
 * Column types are chosen to mean the same on MySQL and on the embedded SQLite file.
 * The schema is owned by the migrations in ./migrations, never by `synchronize`.
 */

@Entity('users')
export class UserEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id!: string;
  @Column({ type: 'varchar', length: 64 }) name!: string;
  @CreateDateColumn({ type: 'datetime', name: 'created_at' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'datetime', name: 'updated_at' }) updatedAt!: Date;
}

@Entity('games')
export class GameEntity {
  @PrimaryColumn({ type: 'int' }) id!: number;
  @Column({ type: 'varchar', length: 100 }) name!: string;
}

@Entity('library')
export class LibraryEntryEntity {
  @PrimaryColumn({ type: 'varchar', length: 64, name: 'user_id' }) userId!: string;
  @PrimaryColumn({ type: 'int', name: 'game_id' }) gameId!: number;
  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'user_id' }) user?: UserEntity;
  @ManyToOne(() => GameEntity, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'game_id' }) game?: GameEntity;
}

@Entity('rooms')
export class RoomEntity {
  /** A room's id is its owner's user id: one room per user. */
  @PrimaryColumn({ type: 'varchar', length: 64 }) id!: string;
  @Column({ type: 'varchar', length: 64, name: 'owner_id', unique: true }) ownerId!: string;
  @Column({ type: 'int' }) width!: number;
  @Column({ type: 'int' }) height!: number;
  @Column({ type: 'int', default: 0 }) version!: number;
  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'owner_id' }) owner?: UserEntity;
}

@Entity('map_objects')
export class MapObjectEntity {
  @PrimaryColumn({ type: 'varchar', length: 64, name: 'room_id' }) roomId!: string;
  @PrimaryColumn({ type: 'varchar', length: 64 }) id!: string;
  @Column({ type: 'varchar', length: 32 }) kind!: string;
  @Column({ type: 'int' }) x!: number;
  @Column({ type: 'int' }) y!: number;
  @Column({ type: 'int' }) w!: number;
  @Column({ type: 'int' }) h!: number;
  @Column({ type: 'int', name: 'game_id', nullable: true, default: null }) gameId!: number | null;
  @ManyToOne(() => RoomEntity, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'room_id' }) room?: RoomEntity;
  @ManyToOne(() => GameEntity) @JoinColumn({ name: 'game_id' }) game?: GameEntity | null;
}

/**
 * A room's chat history: every `said` event, as sent. Keyed by its own id rather than (room, seq):
 * a room whose live state was lost starts its seq again, and its older lines must stay.
 * `at` is kept as the ISO-8601 text the event carried, so history and live agree to the character.
 */
@Entity('chat_lines')
@Index('IDX_chat_lines_room_seq', ['roomId', 'seq'])
export class ChatLineEntity {
  @PrimaryGeneratedColumn({ type: 'int' }) id!: number;
  @Column({ type: 'varchar', length: 64, name: 'room_id' }) roomId!: string;
  @Column({ type: 'int' }) seq!: number;
  @Column({ type: 'varchar', length: 64, name: 'user_id' }) userId!: string;
  @Column({ type: 'varchar', length: 64 }) name!: string;
  // 500 characters (code points): a MySQL utf8mb4 varchar counts characters, not bytes.
  @Column({ type: 'varchar', length: 500 }) text!: string;
  @Column({ type: 'varchar', length: 32 }) at!: string;
}

/** Who may enter a room (domain/access.ts): its mode; a room without a row is public. */
@Entity('room_access')
export class RoomAccessEntity {
  @PrimaryColumn({ type: 'varchar', length: 64, name: 'room_id' }) roomId!: string;
  @Column({ type: 'varchar', length: 16 }) mode!: string;
}

/** A user on a room's allow list (`allow`) or banned from it (`ban`). */
@Entity('room_access_users')
export class RoomAccessUserEntity {
  @PrimaryColumn({ type: 'varchar', length: 64, name: 'room_id' }) roomId!: string;
  @PrimaryColumn({ type: 'varchar', length: 64, name: 'user_id' }) userId!: string;
  @PrimaryColumn({ type: 'varchar', length: 8 }) kind!: 'allow' | 'ban';
}

export const ENTITIES = [
  UserEntity,
  GameEntity,
  LibraryEntryEntity,
  RoomEntity,
  MapObjectEntity,
  ChatLineEntity,
  RoomAccessEntity,
  RoomAccessUserEntity,
];
