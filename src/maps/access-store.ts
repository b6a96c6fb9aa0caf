import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { type AccessMode, OPEN_ACCESS, type RoomAccess } from '../domain/access';
import { RoomAccessEntity, RoomAccessUserEntity } from './entities';
import { DATA_SOURCE, MapStore } from './map-store';
import { fromDatabase } from './sql-errors';

/**
 * Who may enter each room, durable in MySQL (or the SQLite file). Enters read it through
 * rooms/entry-rules.ts, which keeps each room's rules with the version they were read under, so
 * a change applies at once everywhere; a read here is always the stored rules, or an error.
 */
@Injectable()
export class AccessStore {
  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    private readonly maps: MapStore,
  ) {}

  async read(roomId: string): Promise<RoomAccess> {
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
