import Redis from 'ioredis';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import type { Member, RoomMap } from '../../src/protocol/messages';
import { refuseObjectsInColumnSql } from './build-plan';
import { SERVICES, type TestServer } from './server';

/**
 * Direct reads of a services-mode test server's MySQL database and Redis keys, for the few
 * assertions that are about storage rather than the protocol (services-only tests).
 */
export class ServicesProbe {
  private constructor(
    private readonly sql: Connection,
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** `redisUrl`: the Redis the server uses, when it is not the shared one (a test's own redis-server). */
  static async open(server: Pick<TestServer, 'env'>, redisUrl = SERVICES.redis): Promise<ServicesProbe> {
    const sql = await createConnection(server.env.databaseUrl);
    // No keyPrefix on purpose: the tests name the full keys, as an operator would see them.
    const redis = new Redis(redisUrl);
    return new ServicesProbe(sql, redis, server.env.keyPrefix);
  }

  async close(): Promise<void> {
    await this.sql.end();
    this.redis.disconnect();
  }

  // ---- MySQL ----------------------------------------------------------------------------------

  /** Makes MySQL refuse every map object placed in column `x` (a trigger), as a failing row write would. */
  async refuseObjectsInColumn(x: number): Promise<{ drop: () => Promise<void> }> {
    await this.sql.query(refuseObjectsInColumnSql('services', x));
    return { drop: async () => void (await this.sql.query(`DROP TRIGGER refuse_column_${x}`)) };
  }

  async userRow(userId: string): Promise<{ id: string; name: string; created_at: Date; updated_at: Date } | undefined> {
    const [rows] = await this.sql.query<RowDataPacket[]>(
      'SELECT id, name, created_at, updated_at FROM users WHERE id = ?',
      [userId],
    );
    return rows[0] as { id: string; name: string; created_at: Date; updated_at: Date } | undefined;
  }

  async roomRow(
    roomId: string,
  ): Promise<{ id: string; owner_id: string; width: number; height: number; version: number } | undefined> {
    const [rows] = await this.sql.query<RowDataPacket[]>(
      'SELECT id, owner_id, width, height, version FROM rooms WHERE id = ?',
      [roomId],
    );
    return rows[0] as { id: string; owner_id: string; width: number; height: number; version: number } | undefined;
  }

  /** The room's map as stored in MySQL (rooms + map_objects), objects sorted by id. */
  async storedMap(roomId: string): Promise<RoomMap> {
    const room = await this.roomRow(roomId);
    if (!room) throw new Error(`no rooms row ${roomId}`);
    const [rows] = await this.sql.query<RowDataPacket[]>(
      'SELECT id, kind, x, y, w, h, game_id FROM map_objects WHERE room_id = ? ORDER BY id',
      [roomId],
    );
    return {
      version: room.version,
      width: room.width,
      height: room.height,
      objects: rows.map((r) => ({
        id: r.id as string,
        kind: r.kind as string,
        x: r.x as number,
        y: r.y as number,
        w: r.w as number,
        h: r.h as number,
        ...(r.game_id !== null ? { gameId: r.game_id as number } : {}),
      })),
    };
  }

  // ---- Redis ----------------------------------------------------------------------------------

  key(suffix: string): string {
    return this.prefix + suffix;
  }

  /** The map JSON cached in `<prefix>room:{<roomId>}:map`, objects sorted by id. */
  async cachedMap(roomId: string): Promise<RoomMap | null> {
    const raw = await this.redis.get(this.key(`room:{${roomId}}:map`));
    if (!raw) return null;
    const map = JSON.parse(raw) as RoomMap;
    return { ...map, objects: [...map.objects].sort((a, b) => a.id.localeCompare(b.id)) };
  }

  /** Drops the room's cached map (JSON, version, grid), as a Redis that lost those keys would. */
  async forgetCachedMap(roomId: string): Promise<void> {
    await this.redis.del(
      this.key(`room:{${roomId}}:map`),
      this.key(`room:{${roomId}}:meta`),
      this.key(`room:{${roomId}}:grid`),
    );
  }

  async cachedVersion(roomId: string): Promise<number> {
    return Number(await this.redis.hget(this.key(`room:{${roomId}}:meta`), 'version'));
  }

  async grid(roomId: string): Promise<string | null> {
    return this.redis.get(this.key(`room:{${roomId}}:grid`));
  }

  async seq(roomId: string): Promise<number> {
    return Number((await this.redis.get(this.key(`room:{${roomId}}:seq`))) ?? 0);
  }

  async members(roomId: string): Promise<Member[]> {
    const all = await this.redis.hvals(this.key(`room:{${roomId}}:members`));
    return all.map((m) => JSON.parse(m) as Member).sort((a, b) => a.userId.localeCompare(b.userId));
  }

  /** userId → "sessionId|instanceId" of the avatars' holders. */
  async sessions(roomId: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.key(`room:{${roomId}}:sessions`));
  }

  async spectators(roomId: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.key(`room:{${roomId}}:spectators`));
  }

  /** Takes a room's Redlock lock from outside, so that the server's next enter/build/leave there waits. */
  async holdRoomLock(roomId: string, ms: number): Promise<void> {
    const ok = await this.redis.set(this.key(`lock:room:{${roomId}}`), 'held-by-a-test', 'PX', ms, 'NX');
    if (ok !== 'OK') throw new Error(`the lock of room ${roomId} is taken`);
  }

  async releaseRoomLock(roomId: string): Promise<void> {
    await this.redis.del(this.key(`lock:room:{${roomId}}`));
  }

  async instanceSessions(instanceId: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.key(`instance:{${instanceId}}:sessions`));
  }
}
