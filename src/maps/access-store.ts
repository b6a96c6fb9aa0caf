import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { type AccessMode, OPEN_ACCESS, type RoomAccess } from '../domain/access';
import { RoomAccessEntity, RoomAccessUserEntity } from './entities';
import { DATA_SOURCE, MapStore } from './map-store';
import { fromDatabase } from './sql-errors';
import { UnavailableError } from '../protocol/errors';

/** Rooms whose last read rules are kept for an outage (the most recently entered ones). */
const MAX_REMEMBERED_ROOMS = 10_000;

/**
 * Who may enter each room, durable in MySQL (or the SQLite file): read at every enter, on every
 * instance, so a change applies at once everywhere without any cache to invalidate. While the
 * database is unreachable, an enter uses the rules this instance last read for the room (no change
 * can be stored meanwhile either), so players keep entering rooms that are live here, as they do
 * for the cached map; a room whose rules were never read here is refused (UNAVAILABLE).
 */
@Injectable()
export class AccessStore {
  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    private readonly maps: MapStore,
  ) {}

  /** The last rules read per room, for enters while the database is away (see above). */
  private readonly lastRead = new Map<string, RoomAccess>();

  /** The room's rules as stored, or while the database is unreachable the last ones read here. */
  async read(roomId: string): Promise<RoomAccess> {
    try {
      const access = await this.readStored(roomId);
      // Most recently read last, so the oldest goes first when the map is full.
      this.lastRead.delete(roomId);
      this.lastRead.set(roomId, access);
      if (this.lastRead.size > MAX_REMEMBERED_ROOMS) this.lastRead.delete(this.lastRead.keys().next().value!);
      return access;
    } catch (err) {
      const known = err instanceof UnavailableError ? this.lastRead.get(roomId) : undefined;
      if (known) return known;
      throw err;
    }
  }

  private async readStored(roomId: string): Promise<RoomAccess> {
    const [row, users] = await Promise.all([
      this.ds.getRepository(RoomAccessEntity).findOneBy({ roomId }),
      this.ds.getRepository(RoomAccessUserEntity).find({ where: { roomId }, order: { userId: 'ASC' } }),
    ]).catch(fromDatabase);
    if (!row && users.length === 0) return { ...OPEN_ACCESS, allow: [], banned: [] };
    return {
      mode: (row?.mode as AccessMode | undefined) ?? 'public',
      allow: users.filter((u) => u.kind === 'allow').map((u) => u.userId),
      banned: users.filter((u) => u.kind === 'ban').map((u) => u.userId),
    };
  }

  /** Sets the mode and replaces the allow list, in one transaction (the bans stay). */
  async setAccess(roomId: string, mode: AccessMode, allow: string[]): Promise<void> {
    await this.maps.transaction(async (m) => {
      await m.upsert(RoomAccessEntity, { roomId, mode }, ['roomId']);
      await m.delete(RoomAccessUserEntity, { roomId, kind: 'allow' });
      const unique = [...new Set(allow)];
      if (unique.length)
        await m.insert(
          RoomAccessUserEntity,
          unique.map((userId) => ({ roomId, userId, kind: 'allow' as const })),
        );
    });
  }

  async ban(roomId: string, userId: string): Promise<void> {
    await this.ds
      .getRepository(RoomAccessUserEntity)
      .upsert({ roomId, userId, kind: 'ban' }, ['roomId', 'userId', 'kind'])
      .catch(fromDatabase);
  }

  /** True when the user was banned. */
  async unban(roomId: string, userId: string): Promise<boolean> {
    const res = await this.ds
      .getRepository(RoomAccessUserEntity)
      .delete({ roomId, userId, kind: 'ban' })
      .catch(fromDatabase);
    return (res.affected ?? 0) > 0;
  }
}
