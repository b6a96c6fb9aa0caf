import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, In } from 'typeorm';
import type { Identity } from '../auth/identity';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { KeyedMutex } from '../locks/keyed-mutex';
import { ConflictError, RoomNotFoundError } from '../protocol/errors';
import type { MapObject, RoomMap } from '../protocol/messages';
import { GameEntity, LibraryEntryEntity, MapObjectEntity, RoomEntity, UserEntity } from './entities';
import { LibraryCache } from './library-cache';
import { fromDatabase } from './sql-errors';
import { ATTR, Traced } from '../tracing/tracing';

export const DATA_SOURCE = Symbol('DATA_SOURCE');

/**
 * A build's plan, made once its transaction has begun (MapStore.saveBuild): the map it starts
 * from, the map it makes, and the cache's half of its write. `stored` reads the room's map inside
 * the transaction, for when the cache has lost it.
 */
export type BuildPlan = (stored: () => Promise<RoomMap>) => Promise<{
  prev: RoomMap;
  next: RoomMap;
  writeCache: () => Promise<void>;
}>;

export interface StoredRoom {
  id: string;
  ownerId: string;
  map: RoomMap;
}

/**
 * Every durable (SQL) read and write of users, libraries, rooms and maps lives here. A database
 * that fails us (connection, lock timeout, deadlock) surfaces as UnavailableError (sql-errors.ts).
 */
@Injectable()
export class MapStore {
  /** Users this instance already upserted with this name; a reconnect storm need not rewrite them. */
  private readonly knownUsers = new Map<string, string>();
  /**
   * SQLite (embedded mode) has one connection, shared by every TypeORM query runner: two
   * transactions begun at once would collide ("cannot start a transaction within a transaction")
   * or nest as savepoints, where one's rollback undoes the other's commit. So there, transactions
   * take turns. MySQL gives each transaction a pooled connection of its own.
   */
  private readonly turns: KeyedMutex | undefined;
  private readonly libraries = new LibraryCache((userId) => this.readLibrary(userId));

  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.turns = ds.options.type === 'better-sqlite3' ? new KeyedMutex() : undefined;
  }

  /** Creates or renames the user from the token's claims, and gives a new user their room. */
  async upsertUser(identity: Identity): Promise<void> {
    if (this.knownUsers.get(identity.userId) === identity.name) return;
    await this.transaction(async (m) => {
      await m.upsert(UserEntity, { id: identity.userId, name: identity.name, updatedAt: new Date() }, ['id']);
      await m
        .createQueryBuilder()
        .insert()
        .into(RoomEntity)
        .values({
          id: identity.userId,
          ownerId: identity.userId,
          width: this.config.rooms.defaultWidth,
          height: this.config.rooms.defaultHeight,
          version: 0,
        })
        .orIgnore()
        .execute();
    });
    this.knownUsers.set(identity.userId, identity.name);
  }

  /** The room and its map; inside a transaction when `m` is the transaction's. */
  async findRoom(roomId: string, m: EntityManager = this.ds.manager): Promise<StoredRoom | null> {
    const room = await m.getRepository(RoomEntity).findOneBy({ id: roomId }).catch(fromDatabase);
    if (!room) return null;
    const objects = await m
      .getRepository(MapObjectEntity)
      .find({ where: { roomId }, order: { id: 'ASC' } })
      .catch(fromDatabase);
    return {
      id: room.id,
      ownerId: room.ownerId,
      map: { version: room.version, width: room.width, height: room.height, objects: objects.map(toMapObject) },
    };
  }

  /** The games `userId` owns, from a cache that is read again when it lacks one of `needed` (library-cache.ts). */
  ownedGameIds(userId: string, needed: Iterable<number> = []): Promise<Set<number>> {
    return this.libraries.owned(userId, needed);
  }

  private async readLibrary(userId: string): Promise<Set<number>> {
    const rows = await this.ds.getRepository(LibraryEntryEntity).findBy({ userId }).catch(fromDatabase);
    return new Set(rows.map((r) => r.gameId));
  }

  async games(ids?: number[]): Promise<GameEntity[]> {
    return this.ds
      .getRepository(GameEntity)
      .find({ where: ids ? { id: In(ids) } : {}, order: { id: 'ASC' } })
      .catch(fromDatabase);
  }

  /**
   * Writes a build in one transaction. `plan` runs once the transaction has begun: it answers the
   * map the build starts from, the map it makes, and the cache's half of the write (the Redis
   * script). Then the version compare-and-set on the room's row, which holds the row until the
   * commit, and then the object rows and the cache's half together, each waiting on its own
   * server, so that a build waits for four round trips, not six. If any step throws, the
   * transaction rolls back; if only the object rows failed, the cache took the build, and the
   * caller puts the old map back there, as after a failed commit. Both halves have settled before
   * the transaction ends, so the caller always knows whether the cache took it.
   */
  @Traced('db transaction', { child: true, attributes: (roomId: string) => ({ [ATTR.room]: roomId }) })
  async saveBuild(roomId: string, plan: BuildPlan): Promise<void> {
    await this.transaction(async (m) => {
      const { prev, next, writeCache } = await plan(async () => {
        const stored = await this.findRoom(roomId, m);
        if (!stored) throw new RoomNotFoundError(roomId);
        return stored.map;
      });
      const res = await m
        .createQueryBuilder()
        .update(RoomEntity)
        .set({ version: next.version })
        .where('id = :roomId AND version = :base', { roomId, base: prev.version })
        .execute();
      if (res.affected !== 1) {
        const current = await m.getRepository(RoomEntity).findOneBy({ id: roomId });
        throw new ConflictError(current?.version ?? -1);
      }
      const [rows, cache] = await Promise.allSettled([this.writeObjects(m, roomId, prev, next), writeCache()]);
      // The cache's refusal (a CONFLICT, a lost session, a lost lease) says more than the rows'.
      if (cache.status === 'rejected') throw cache.reason;
      if (rows.status === 'rejected') throw rows.reason;
    });
  }

  private async writeObjects(m: EntityManager, roomId: string, prev: RoomMap, next: RoomMap): Promise<void> {
    const before = new Set(prev.objects.map((o) => o.id));
    const after = new Set(next.objects.map((o) => o.id));
    const removed = prev.objects.filter((o) => !after.has(o.id)).map((o) => o.id);
    const added = next.objects.filter((o) => !before.has(o.id));
    if (removed.length) await m.delete(MapObjectEntity, { roomId, id: In(removed) });
    if (!added.length) return;
    // One multi-row INSERT, and nothing read back: TypeORM would otherwise SELECT the rows again
    // on MySQL (for game_id's default), one more round trip while the row is held.
    await m
      .createQueryBuilder()
      .insert()
      .into(MapObjectEntity)
      .values(
        added.map((o) => ({
          roomId,
          id: o.id,
          kind: o.kind,
          x: o.x,
          y: o.y,
          w: o.w,
          h: o.h,
          gameId: o.gameId ?? null,
        })),
      )
      .updateEntity(false)
      .execute();
  }

  /**
   * Errors of `work`'s own steps that are already the project's (ConflictError...) pass through.
   * Every SQL transaction of the process goes through here (the chat history's too), so that on
   * SQLite they take turns on its one connection.
   */
  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    if (!this.turns) return this.ds.transaction(work).catch(fromDatabase);
    return this.turns.run('transaction', () => this.ds.transaction(work)).catch(fromDatabase);
  }

  async ping(): Promise<void> {
    await this.ds.query('SELECT 1').catch(fromDatabase);
  }
}

function toMapObject(e: MapObjectEntity): MapObject {
  const o: MapObject = { id: e.id, kind: e.kind, x: e.x, y: e.y, w: e.w, h: e.h };
  if (e.gameId !== null && e.gameId !== undefined) o.gameId = e.gameId;
  return o;
}
