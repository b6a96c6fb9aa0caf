import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { UnavailableError } from '../../protocol/errors';
import type { Direction, LeaveReason, Member, Role, RoomMap } from '../../protocol/messages';
import { pushTargets } from '../../domain/free-cell';
import { type Cell, occupancyString } from '../../domain/map';
import { stepTarget } from '../../domain/step';
import {
  ACCESS_VERSION_LUA,
  BUILD_LUA,
  CACHE_MAP_LUA,
  ENTER_LUA,
  LEAVE_LUA,
  MOVE_LUA,
  NOTICE_LUA,
  SAID_LUA,
  CHAT_RATE_LUA,
} from './redis-scripts';
import {
  AccessChangedError,
  type BuildResult,
  type ChatLine,
  type EnterParams,
  type EnterResult,
  MapChangedError,
  type MoveResult,
  type NoticeAuthor,
  READER_TTL_MS,
  type RoomStateStore,
  type SeqEvent,
  type WriteFence,
} from '../room-state.port';
import { fencedWrites } from '../../common/metrics';
import { fromRedis } from './redis-errors';
import { chatRateKey, instanceSessionsKey, leaseKey } from './redis-keys';
import { readerMarkKey, RedisRoomReads, roomKeys } from './redis-room-reads';

type ScriptReply = [string, ...unknown[]];
interface ScriptedRedis extends Redis {
  roomEnter(...args: (string | number)[]): Promise<ScriptReply>;
  roomAccessVersion(key: string, fresh: string): Promise<string>;
  roomMove(...args: (string | number)[]): Promise<ScriptReply>;
  roomLeave(...args: (string | number)[]): Promise<ScriptReply>;
  roomBuild(...args: (string | number)[]): Promise<ScriptReply>;
  roomCacheMap(...args: (string | number)[]): Promise<number>;
  roomNotice(...args: (string | number)[]): Promise<ScriptReply>;
  roomSaid(...args: (string | number)[]): Promise<ScriptReply>;
  chatRate(key: string, lines: number, windowMs: number, member: string): Promise<number>;
}

/** No lease in use (tests of the state alone): an empty epoch is never fenced. */
const NO_FENCE: WriteFence = { current: () => ({ instanceId: '', epoch: '' }), reportFenced: () => undefined };

/** Thrown when this instance's lease was lost: nothing was written, and the instance stops serving. */
export class FencedError extends UnavailableError {
  constructor() {
    super('this server lost its lease and is restarting its sessions; reconnect');
  }
}

/**
 * Room state in Redis, shared by every instance; see redis-scripts.ts for the key layout. Every
 * write is one Lua script (atomic, fenced by the lease epoch); the reads are RedisRoomReads'.
 */
export class RedisRoomState extends RedisRoomReads implements RoomStateStore {
  private readonly scripts: ScriptedRedis;

  constructor(
    redis: Redis,
    private readonly logLength: number,
    private readonly fence: WriteFence = NO_FENCE,
  ) {
    super(redis);
    redis.defineCommand('roomEnter', { numberOfKeys: 12, lua: ENTER_LUA });
    redis.defineCommand('roomAccessVersion', { numberOfKeys: 1, lua: ACCESS_VERSION_LUA });
    redis.defineCommand('roomMove', { numberOfKeys: 9, lua: MOVE_LUA });
    redis.defineCommand('roomLeave', { numberOfKeys: 9, lua: LEAVE_LUA });
    redis.defineCommand('roomBuild', { numberOfKeys: 9, lua: BUILD_LUA });
    redis.defineCommand('roomCacheMap', { numberOfKeys: 4, lua: CACHE_MAP_LUA });
    redis.defineCommand('roomNotice', { numberOfKeys: 5, lua: NOTICE_LUA });
    redis.defineCommand('roomSaid', { numberOfKeys: 5, lua: SAID_LUA });
    redis.defineCommand('chatRate', { numberOfKeys: 1, lua: CHAT_RATE_LUA });
    this.scripts = redis as ScriptedRedis;
  }

  async cacheMap(roomId: string, map: RoomMap, seqFloor = 0): Promise<void> {
    const k = roomKeys(roomId);
    await this.scripts
      .roomCacheMap(
        k.meta,
        k.map,
        k.grid,
        k.seq,
        map.version,
        JSON.stringify(map),
        occupancyString(map),
        map.width,
        map.height,
        seqFloor,
      )
      .catch(fromRedis);
  }

  accessVersion(roomId: string): Promise<string> {
    return this.scripts.roomAccessVersion(roomKeys(roomId).access, randomUUID()).catch(fromRedis);
  }

  async accessChanged(roomId: string): Promise<void> {
    await this.redis.set(roomKeys(roomId).access, randomUUID()).catch(fromRedis);
  }

  async enter(roomId: string, p: EnterParams): Promise<EnterResult> {
    const k = roomKeys(roomId);
    const f = this.fence.current();
    const reply = this.checkFence(
      await this.scripts
        .roomEnter(
          k.members,
          k.sessions,
          k.spectators,
          k.meta,
          k.map,
          k.seq,
          k.log,
          instanceSessionsKey(p.instanceId),
          leaseKey(f.instanceId),
          k.epoch,
          k.readers,
          k.access,
          p.userId,
          p.sessionId,
          p.instanceId,
          p.role,
          p.spawn.x,
          p.spawn.y,
          p.name,
          JSON.stringify(roomId),
          this.logLength,
          f.epoch,
          p.mapVersion ?? '',
          p.accessVersion ?? '',
        )
        .catch(fromRedis),
    );
    if (reply[0] === 'ACCESS_CHANGED') throw new AccessChangedError();
    if (reply[0] === 'STALE') throw new MapChangedError(JSON.parse(reply[1] as string) as RoomMap);
    if (reply[0] !== 'OK') throw new MapChangedError(null);
    const [, seq, ev, replaced, mapJson, members, spectators, epoch, readElsewhere] = reply as [
      string,
      number,
      string | null,
      string | null,
      string,
      string[],
      number,
      string,
      number,
    ];
    const result: EnterResult = {
      seq,
      epoch,
      map: JSON.parse(mapJson) as RoomMap,
      members: members.map((m) => JSON.parse(m) as Member),
      spectators,
    };
    if (ev) result.event = written(seq, ev, epoch, readElsewhere);
    if (replaced) {
      const [sessionId, instanceId] = replaced.split('|');
      if (sessionId !== p.sessionId) {
        result.replaced = { sessionId, instanceId };
        await this.redis.hdel(instanceSessionsKey(instanceId), sessionId).catch(fromRedis);
      }
    }
    return result;
  }

  async move(roomId: string, userId: string, sessionId: string, dir: Direction): Promise<MoveResult> {
    const k = roomKeys(roomId);
    const d = stepTarget({ x: 0, y: 0 }, dir);
    const f = this.fence.current();
    const reply = this.checkFence(
      await this.scripts
        .roomMove(
          k.members,
          k.sessions,
          k.meta,
          k.grid,
          k.seq,
          k.log,
          leaseKey(f.instanceId),
          k.epoch,
          k.readers,
          userId,
          sessionId,
          dir,
          d.x,
          d.y,
          JSON.stringify(roomId),
          this.logLength,
          f.epoch,
          f.instanceId,
        )
        .catch(fromRedis),
    );
    switch (reply[0]) {
      case 'OK':
        return {
          ok: true,
          event: written(reply[1] as number, reply[2] as string, reply[5] as string, reply[6] as number),
          x: reply[3] as number,
          y: reply[4] as number,
        };
      case 'BLOCKED':
        return { ok: false, code: 'BLOCKED', x: reply[1] as number, y: reply[2] as number };
      default:
        return { ok: false, code: 'NOT_IN_ROOM' };
    }
  }

  async markReader(roomId: string): Promise<boolean> {
    const { instanceId } = this.fence.current();
    // Without an instance id (the state alone, in tests) moves never answer localOnly: nothing to mark.
    if (instanceId === '') return false;
    const readers = roomKeys(roomId).readers;
    // Plain commands, not a script: a script's first use may be re-sent after NOSCRIPT, behind
    // the enter that must come after the mark. The set outlives every mark in it.
    const replies = await this.redis
      .multi()
      .sadd(readers, instanceId)
      .pexpire(readers, READER_TTL_MS)
      .call('SET', readerMarkKey(roomId, instanceId), '1', 'PX', String(READER_TTL_MS), 'GET')
      .exec()
      .catch(fromRedis);
    const [err, previous] = replies?.[2] ?? [new Error('transaction discarded'), null];
    if (err) fromRedis(err);
    return previous === null;
  }

  async dropReader(roomId: string): Promise<void> {
    const { instanceId } = this.fence.current();
    if (instanceId === '') return;
    await this.redis
      .multi()
      .srem(roomKeys(roomId).readers, instanceId)
      .del(readerMarkKey(roomId, instanceId))
      .exec()
      .catch(fromRedis);
  }

  async leave(
    roomId: string,
    userId: string,
    sessionId: string,
    role: Role,
    reason: LeaveReason,
    instanceId?: string,
  ): Promise<SeqEvent | null> {
    const k = roomKeys(roomId);
    const owner = instanceId ?? (await this.instanceOfSession(roomId, userId, sessionId));
    const f = this.fence.current();
    const reply = this.checkFence(
      await this.scripts
        .roomLeave(
          k.members,
          k.sessions,
          k.spectators,
          k.seq,
          k.log,
          instanceSessionsKey(owner ?? '-'),
          leaseKey(f.instanceId),
          k.epoch,
          k.readers,
          userId,
          sessionId,
          role,
          reason,
          JSON.stringify(roomId),
          this.logLength,
          f.epoch,
          f.instanceId,
        )
        .catch(fromRedis),
    );
    return reply[0] === 'OK' ? seqEvent(reply) : null;
  }

  async applyBuild(
    roomId: string,
    baseVersion: number,
    next: RoomMap,
    pushes: Map<number, Cell>,
  ): Promise<BuildResult> {
    const k = roomKeys(roomId);
    const pushesJson = JSON.stringify(Object.fromEntries([...pushes].map(([i, c]) => [String(i), [c.x, c.y]])));
    const f = this.fence.current();
    const reply = this.checkFence(
      await this.scripts
        .roomBuild(
          k.meta,
          k.map,
          k.grid,
          k.members,
          k.seq,
          k.log,
          leaseKey(f.instanceId),
          k.epoch,
          k.readers,
          baseVersion,
          next.version,
          JSON.stringify(next),
          occupancyString(next),
          pushesJson,
          JSON.stringify(roomId),
          this.logLength,
          next.width,
          next.height,
          f.epoch,
          f.instanceId,
        )
        .catch(fromRedis),
    );
    if (reply[0] === 'CONFLICT') return { ok: false, code: 'CONFLICT', version: reply[1] as number };
    return { ok: true, event: seqEvent(reply) };
  }

  async revertBuild(roomId: string, failed: RoomMap, prev: RoomMap): Promise<SeqEvent | null> {
    const res = await this.applyBuild(roomId, failed.version, prev, pushTargets(failed, prev));
    return res.ok ? res.event : null;
  }

  async notice(roomId: string, text: string, from: NoticeAuthor): Promise<SeqEvent> {
    const k = roomKeys(roomId);
    const f = this.fence.current();
    const reply = this.checkFence(
      await this.scripts
        .roomNotice(
          k.seq,
          k.log,
          leaseKey(f.instanceId),
          k.epoch,
          k.readers,
          JSON.stringify(roomId),
          JSON.stringify(text),
          JSON.stringify({ userId: from.userId, name: from.name }),
          this.logLength,
          f.epoch,
          f.instanceId,
        )
        .catch(fromRedis),
    );
    return seqEvent(reply);
  }

  async said(roomId: string, line: ChatLine): Promise<SeqEvent> {
    const k = roomKeys(roomId);
    const f = this.fence.current();
    const reply = this.checkFence(
      await this.scripts
        .roomSaid(
          k.seq,
          k.log,
          leaseKey(f.instanceId),
          k.epoch,
          k.readers,
          JSON.stringify(roomId),
          JSON.stringify(line.userId),
          JSON.stringify(line.name),
          JSON.stringify(line.text),
          JSON.stringify(line.at),
          this.logLength,
          f.epoch,
          f.instanceId,
        )
        .catch(fromRedis),
    );
    return seqEvent(reply);
  }

  async takeChatLine(userId: string, lines: number, windowMs: number): Promise<number | undefined> {
    const wait = await this.scripts.chatRate(chatRateKey(userId), lines, windowMs, randomUUID()).catch(fromRedis);
    return wait < 0 ? undefined : wait;
  }

  private checkFence(reply: ScriptReply): ScriptReply {
    if (reply[0] !== 'FENCED') return reply;
    fencedWrites.inc();
    this.fence.reportFenced();
    throw new FencedError();
  }
}

/** An OK reply `['OK', seq, eventJson, epoch, readElsewhere]`. */
function seqEvent(reply: ScriptReply): SeqEvent {
  return written(reply[1] as number, reply[2] as string, reply[3] as string, reply[4] as number);
}

/** An event a script just wrote; `readElsewhere` 0: no other instance's reader mark was alive (redis-scripts.ts, READERS). */
function written(seq: number, json: string, epoch: string, readElsewhere: number): SeqEvent {
  return readElsewhere === 0 ? { seq, json, epoch, localOnly: true } : { seq, json, epoch };
}
