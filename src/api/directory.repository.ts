import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { GameEntity, LibraryEntryEntity, RoomEntity, UserEntity } from '../maps/entities';
import { DATA_SOURCE } from '../maps/map-store';
import type { GameSummary, RoomSummary, UserSummary } from './api-types';

/** Read-only SQL lookups the HTTP API needs: users, rooms with their owners, libraries. */
@Injectable()
export class DirectoryRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  async findUser(userId: string): Promise<UserSummary | null> {
    const u = await this.ds.getRepository(UserEntity).findOneBy({ id: userId });
    return u ? { userId: u.id, name: u.name } : null;
  }

  async listUsers(limit: number): Promise<UserSummary[]> {
    const rows = await this.ds.getRepository(UserEntity).find({ order: { id: 'ASC' }, take: limit });
    return rows.map((u) => ({ userId: u.id, name: u.name })).sort(byNaturalId);
  }

  async listRooms(limit: number): Promise<RoomSummary[]> {
    const rows = await this.roomsQuery().limit(limit).getRawMany<RawRoom>();
    return rows.map(toSummary).sort((a, b) => byNaturalId(a.owner, b.owner));
  }

  async findRoom(roomId: string): Promise<RoomSummary | null> {
    const row = await this.roomsQuery().where('r.id = :roomId', { roomId }).getRawOne<RawRoom>();
    return row ? toSummary(row) : null;
  }

  /** The rooms among `roomIds` that exist, with their owners. */
  async findRooms(roomIds: string[]): Promise<RoomSummary[]> {
    if (roomIds.length === 0) return [];
    const rows = await this.roomsQuery().where('r.id IN (:...roomIds)', { roomIds }).getRawMany<RawRoom>();
    return rows.map(toSummary);
  }

  /** The games of a user's library, with their names. */
  async library(userId: string): Promise<GameSummary[]> {
    return this.ds
      .getRepository(GameEntity)
      .createQueryBuilder('g')
      .innerJoin(LibraryEntryEntity, 'l', 'l.game_id = g.id')
      .where('l.user_id = :userId', { userId })
      .orderBy('g.id', 'ASC')
      .select(['g.id AS id', 'g.name AS name'])
      .getRawMany<{ id: number | string; name: string }>()
      .then((rows) => rows.map((r) => ({ id: Number(r.id), name: r.name })));
  }

  private roomsQuery() {
    return this.ds
      .getRepository(RoomEntity)
      .createQueryBuilder('r')
      .leftJoin(UserEntity, 'u', 'u.id = r.owner_id')
      .select(['r.id AS roomId', 'r.owner_id AS ownerId', 'u.name AS ownerName']);
  }
}

interface RawRoom {
  roomId: string;
  ownerId: string;
  ownerName: string | null;
}

function toSummary(r: RawRoom): RoomSummary {
  return { roomId: r.roomId, owner: { userId: r.ownerId, name: r.ownerName ?? `user${r.ownerId}` } };
}

/** Numeric ids in number order ("2" before "10"), others after them by text. */
function byNaturalId(a: UserSummary, b: UserSummary): number {
  const na = Number(a.userId);
  const nb = Number(b.userId);
  if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
  return a.userId.localeCompare(b.userId, 'en', { numeric: true });
}
