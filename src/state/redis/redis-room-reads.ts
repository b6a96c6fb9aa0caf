import type Redis from 'ioredis';
import type { Member, Role, RoomMap } from '../../protocol/messages';
import { completeSince, type EventsAfter, type LiveRoom, type SeqEvent, type SessionRecord } from '../room-state.port';
import { fromRedis } from './redis-errors';
import { DATA_EPOCH_KEY, instanceSessionsKey } from './redis-keys';
import { EPOCH_LUA } from './redis-scripts';

/** The keys of one room (the full layout is in redis-scripts.ts). */
export const roomKeys = (roomId: string) => {
  const base = `room:{${roomId}}:`;
  return {
    members: base + 'members',
    sessions: base + 'sessions',
    spectators: base + 'spectators',
    meta: base + 'meta',
    map: base + 'map',
    grid: base + 'grid',
    seq: base + 'seq',
    log: base + 'log',
    readers: base + 'readers',
    access: base + 'access',
    epoch: DATA_EPOCH_KEY,
  };
};

/** Instance I's reader mark of a room; the scripts' read_elsewhere builds the same name (redis-scripts.ts). */
export const readerMarkKey = (roomId: string, instanceId: string) => `${roomKeys(roomId).readers}:${instanceId}`;

/**
 * One entry of a room's log: "<ms>|<event JSON>" (redis-scripts.ts, append_log). An entry that is
 * the bare event JSON (written by a build that kept the times apart) has no known time.
 */
export function logEntry(member: string): { json: string; at?: number } {
  if (member.charCodeAt(0) === 0x7b /* { */) return { json: member };
  const bar = member.indexOf('|');
  return { json: member.slice(bar + 1), at: Number(member.slice(0, bar)) };
}

/** Parses `instance:{I}:sessions` (HGETALL as an object). */
export function parseSessionRecords(hash: Record<string, string>): SessionRecord[] {
  return Object.entries(hash).map(([sessionId, v]) => {
    const [roomId, userId, role] = v.split('|');
    return { sessionId, roomId, userId, role: role as Role };
  });
}

/**
 * The reads of the Redis room state: plain commands (a MULTI where several keys must agree),
 * no script and no fence, since they change nothing.
 */
export abstract class RedisRoomReads {
  constructor(protected readonly redis: Redis) {
    redis.defineCommand('dataEpoch', { numberOfKeys: 1, lua: EPOCH_LUA });
  }

  /** The data epoch, created when nothing was written since the state was lost. */
  protected async epochNow(known: string | null): Promise<string> {
    if (known) return known;
    return (await (this.redis as Redis & { dataEpoch(key: string): Promise<string> })
      .dataEpoch(DATA_EPOCH_KEY)
      .catch(fromRedis)) as string;
  }

  async getMap(roomId: string): Promise<RoomMap | null> {
    const raw = await this.redis.get(roomKeys(roomId).map).catch(fromRedis);
    return raw ? (JSON.parse(raw) as RoomMap) : null;
  }

  async readRoom(roomId: string): Promise<LiveRoom> {
    const k = roomKeys(roomId);
    // One MULTI: seq, map and members as of the same moment, like the enter script reads them.
    const [[, seq], [, map], [, members], [, spectators], [, epoch]] = (await this.redis
      .multi()
      .get(k.seq)
      .get(k.map)
      .hvals(k.members)
      .hlen(k.spectators)
      .get(k.epoch)
      .exec()
      .catch(fromRedis)) as [
      [null, string | null],
      [null, string | null],
      [null, string[]],
      [null, number],
      [null, string | null],
    ];
    return {
      seq: Number(seq ?? 0),
      epoch: await this.epochNow(epoch),
      map: map ? (JSON.parse(map) as RoomMap) : null,
      members: members.map((m) => JSON.parse(m) as Member),
      spectators,
    };
  }

  async roomHeads(roomIds: string[]): Promise<Map<string, { seq: number; version: number | null }>> {
    const pipe = this.redis.pipeline();
    for (const id of roomIds) pipe.get(roomKeys(id).seq).hget(roomKeys(id).meta, 'version');
    const replies = (await pipe.exec().catch(fromRedis)) ?? [];
    const heads = new Map<string, { seq: number; version: number | null }>();
    roomIds.forEach((id, i) => {
      const [seqErr, seq] = replies[2 * i] as [Error | null, string | null];
      const [versionErr, version] = replies[2 * i + 1] as [Error | null, string | null];
      if (seqErr ?? versionErr) fromRedis(seqErr ?? versionErr);
      heads.set(id, { seq: Number(seq ?? 0), version: version === null ? null : Number(version) });
    });
    return heads;
  }

  async avatarSession(roomId: string, userId: string): Promise<{ sessionId: string; instanceId: string } | null> {
    const held = await this.redis.hget(roomKeys(roomId).sessions, userId).catch(fromRedis);
    if (!held) return null;
    const [sessionId, instanceId] = held.split('|');
    return { sessionId, instanceId };
  }

  async eventsSince(roomId: string, afterSeq: number, epoch?: string): Promise<SeqEvent[] | null> {
    const k = roomKeys(roomId);
    const [[, current], [, entries], [, now]] = (await this.redis
      .multi()
      .get(k.seq)
      .zrangebyscore(k.log, `(${afterSeq}`, '+inf', 'WITHSCORES')
      .get(k.epoch)
      .exec()
      .catch(fromRedis)) as [[null, string | null], [null, string[]], [null, string | null]];
    const events: SeqEvent[] = [];
    for (let i = 0; i < entries.length; i += 2)
      events.push({ json: logEntry(entries[i]).json, seq: Number(entries[i + 1]), epoch: now ?? undefined });
    return completeSince(afterSeq, Number(current ?? 0), events, epoch === undefined || epoch === now);
  }

  async eventsAfterTime(roomId: string, timeMs: number): Promise<EventsAfter | null> {
    const k = roomKeys(roomId);
    // The whole log (at most ROOM_LOG_LENGTH entries; a resume by time is rare) and the seq, as of one moment.
    const [[, current], [, entries], [, now]] = (await this.redis
      .multi()
      .get(k.seq)
      .zrange(k.log, 0, -1, 'WITHSCORES')
      .get(k.epoch)
      .exec()
      .catch(fromRedis)) as [[null, string | null], [null, string[]], [null, string | null]];
    const logged = [];
    for (let i = 0; i < entries.length; i += 2) logged.push({ ...logEntry(entries[i]), seq: Number(entries[i + 1]) });
    // The last event at or before the time: the client's view is complete up to it.
    let last = -1;
    for (let i = logged.length - 1; i >= 0 && last < 0; i--) {
      const at = logged[i].at;
      if (at !== undefined && at <= timeMs) last = i;
    }
    if (last < 0) return null;
    const afterSeq = logged[last].seq;
    const after = logged.slice(last + 1).map((e) => ({ json: e.json, seq: e.seq, epoch: now ?? undefined }));
    const events = completeSince(afterSeq, Number(current ?? 0), after, true);
    return events && { afterSeq, events };
  }

  async sessionsOfInstance(instanceId: string): Promise<SessionRecord[]> {
    return parseSessionRecords(await this.redis.hgetall(instanceSessionsKey(instanceId)).catch(fromRedis));
  }

  async ping(): Promise<void> {
    await this.redis.ping().catch(fromRedis);
  }
  protected async instanceOfSession(roomId: string, userId: string, sessionId: string): Promise<string | undefined> {
    const held = await this.redis.hget(roomKeys(roomId).sessions, userId).catch(fromRedis);
    if (!held) return undefined;
    const [sid, inst] = held.split('|');
    return sid === sessionId ? inst : undefined;
  }
}
