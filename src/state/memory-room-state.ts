import { randomBytes } from 'node:crypto';
import { ChatRateLimit } from '../domain/chat-rate-limit';
import type { Direction, LeaveReason, Member, Role, RoomMap } from '../protocol/messages';
import { pushTargets } from '../domain/free-cell';
import { type Cell, occupancy } from '../domain/map';
import { canStepOnGrid, type Grid } from '../domain/step';
import {
  type BuildResult,
  type ChatLine,
  type EnterParams,
  type EnterResult,
  type EventsAfter,
  type LiveRoom,
  AccessChangedError,
  completeSince,
  MapChangedError,
  type MoveResult,
  type NoticeAuthor,
  type RoomSnapshot,
  type RoomStateStore,
  type SeqEvent,
  type SessionRecord,
} from './room-state.port';

/** One room's live state; the same fields the Redis adapter keeps under room:{R}:* (redis-scripts.ts). */
interface RoomRecord {
  /** userId → avatar (players only), in order of entry. */
  members: Map<string, Member>;
  /** userId → the session holding the avatar, and its instance. */
  sessions: Map<string, { sessionId: string; instanceId: string }>;
  /** sessionId → userId. */
  spectators: Map<string, string>;
  /** The cached map as sent to clients, its version and the grid the step rule reads; absent until cached. */
  cached?: Grid & { json: string; version: number };
  seq: number;
  /** The last `logLength` events, oldest first, seqs consecutive, each with when it was logged (ms). */
  log: (SeqEvent & { atMs: number })[];
}

/**
 * Room state of the embedded (single-instance) mode, in this process's memory.
 *
 * It is the Redis adapter's twin, call for call, and the contract tests run both against the same
 * expectations. Atomicity comes from JavaScript itself: every method does its checks and writes
 * synchronously, before its first `await` (it has none), so no other call can interleave with it,
 * just as nothing interleaves with a Lua script inside Redis. Events are serialized once, here,
 * with their `seq`, exactly like the scripts do.
 *
 * Everything is lost when the process stops, which is what the room state is for: maps are durable
 * in the database and are cached again on the next enter; avatars belong to live sockets only.
 * That is why each process has an epoch of its own: its seqs count again (from above each room's
 * durable history, see cacheMap).
 */
export class MemoryRoomState implements RoomStateStore {
  readonly epoch = newEpoch();
  private readonly rooms = new Map<string, RoomRecord>();
  /** instanceId → sessionId → record (what instance:{I}:sessions holds in Redis). */
  private readonly instances = new Map<string, Map<string, SessionRecord>>();
  /** roomId → the version of its entry rules (room:{R}:access in Redis). */
  private readonly accessVersions = new Map<string, string>();
  /** The chat limit's count (takeChatLine); made at the first line, with the limit it names. */
  private chatLimit?: ChatRateLimit;

  constructor(private readonly logLength: number) {}

  async getMap(roomId: string): Promise<RoomMap | null> {
    const cached = this.rooms.get(roomId)?.cached;
    return cached ? (JSON.parse(cached.json) as RoomMap) : null;
  }

  async cacheMap(roomId: string, map: RoomMap, seqFloor = 0): Promise<void> {
    const room = this.room(roomId);
    if (room.seq === 0) room.seq = seqFloor;
    if (room.cached && room.cached.version >= map.version) return;
    room.cached = cacheOf(map);
  }

  async accessVersion(roomId: string): Promise<string> {
    let version = this.accessVersions.get(roomId);
    if (version === undefined) this.accessVersions.set(roomId, (version = newEpoch()));
    return version;
  }

  async accessChanged(roomId: string): Promise<void> {
    this.accessVersions.set(roomId, newEpoch());
  }

  async enter(roomId: string, p: EnterParams): Promise<EnterResult> {
    if (p.accessVersion !== undefined && this.accessVersions.get(roomId) !== p.accessVersion)
      throw new AccessChangedError();
    const room = this.rooms.get(roomId);
    if (!room?.cached) throw new MapChangedError(null);
    if (p.mapVersion !== undefined && room.cached.version !== p.mapVersion)
      throw new MapChangedError(JSON.parse(room.cached.json) as RoomMap);
    let event: SeqEvent | undefined;
    let replaced: EnterResult['replaced'];
    if (p.role === 'spectator') {
      room.spectators.set(p.sessionId, p.userId);
    } else {
      const held = room.sessions.get(p.userId);
      room.sessions.set(p.userId, { sessionId: p.sessionId, instanceId: p.instanceId });
      if (!held) {
        const member: Member = { userId: p.userId, name: p.name, x: p.spawn.x, y: p.spawn.y, role: 'player' };
        room.members.set(p.userId, member);
        event = this.append(room, (seq) => ({ type: 'entered', roomId, seq, member }));
      } else if (held.sessionId !== p.sessionId) {
        // The avatar stays where it stands and changes hands; the old session is no longer ours.
        replaced = { sessionId: held.sessionId, instanceId: held.instanceId };
        this.forgetSession(held.instanceId, held.sessionId);
      }
    }
    this.sessionsOf(p.instanceId).set(p.sessionId, { roomId, userId: p.userId, sessionId: p.sessionId, role: p.role });
    const result: EnterResult = { ...this.read(room), map: JSON.parse(room.cached.json) as RoomMap };
    if (event) result.event = event;
    if (replaced) result.replaced = replaced;
    return result;
  }

  async move(roomId: string, userId: string, sessionId: string, dir: Direction): Promise<MoveResult> {
    const room = this.rooms.get(roomId);
    // Fencing: only the session that holds the avatar may move it (a replaced one may not).
    if (!room || room.sessions.get(userId)?.sessionId !== sessionId) return { ok: false, code: 'NOT_IN_ROOM' };
    const m = room.members.get(userId);
    if (!m) return { ok: false, code: 'NOT_IN_ROOM' };
    if (!room.cached) throw new Error(`room ${roomId} has no cached map`);
    const step = canStepOnGrid(room.cached, m, dir);
    if (!step.ok) return { ok: false, code: 'BLOCKED', x: m.x, y: m.y };
    const { to } = step;
    m.x = to.x;
    m.y = to.y;
    const event = this.append(room, (seq) => ({ type: 'moved', roomId, seq, userId, x: to.x, y: to.y, dir }));
    return { ok: true, event, x: to.x, y: to.y };
  }

  /** One process holds this state: there are no other readers to keep track of. */
  async markReader(): Promise<boolean> {
    return false;
  }

  async dropReader(): Promise<void> {}

  async leave(
    roomId: string,
    userId: string,
    sessionId: string,
    role: Role,
    reason: LeaveReason,
    instanceId?: string,
  ): Promise<SeqEvent | null> {
    const room = this.rooms.get(roomId);
    const held = room?.sessions.get(userId);
    const owner = instanceId ?? (held?.sessionId === sessionId ? held.instanceId : undefined);
    if (owner !== undefined) this.forgetSession(owner, sessionId);
    if (!room) return null;
    if (role === 'spectator') {
      room.spectators.delete(sessionId);
      return null;
    }
    if (held?.sessionId !== sessionId) return null;
    room.sessions.delete(userId);
    room.members.delete(userId);
    return this.append(room, (seq) => ({ type: 'left', roomId, seq, userId, reason }));
  }

  async applyBuild(
    roomId: string,
    baseVersion: number,
    next: RoomMap,
    pushes: Map<number, Cell>,
  ): Promise<BuildResult> {
    const current = this.rooms.get(roomId)?.cached?.version ?? -1;
    if (current !== baseVersion) return { ok: false, code: 'CONFLICT', version: current };
    const room = this.room(roomId);
    room.cached = cacheOf(next);
    for (const m of room.members.values()) {
      const target = pushes.get(m.y * next.width + m.x);
      if (target) {
        m.x = target.x;
        m.y = target.y;
      }
    }
    const members = [...room.members.values()];
    const map = JSON.parse(room.cached.json) as RoomMap;
    const event = this.append(room, (seq) => ({ type: 'built', roomId, seq, map, members }));
    return { ok: true, event };
  }

  async revertBuild(roomId: string, failed: RoomMap, prev: RoomMap): Promise<SeqEvent | null> {
    const res = await this.applyBuild(roomId, failed.version, prev, pushTargets(failed, prev));
    return res.ok ? res.event : null;
  }

  async notice(roomId: string, text: string, from: NoticeAuthor): Promise<SeqEvent> {
    const author = { userId: from.userId, name: from.name };
    return this.append(this.room(roomId), (seq) => ({ type: 'notice', roomId, seq, text, from: author }));
  }

  async said(roomId: string, line: ChatLine): Promise<SeqEvent> {
    const { userId, name, text, at } = line;
    return this.append(this.room(roomId), (seq) => ({ type: 'said', roomId, seq, userId, name, text, at }));
  }

  async takeChatLine(userId: string, lines: number, windowMs: number): Promise<number | undefined> {
    // One process is the whole embedded server: its own count is every instance's.
    this.chatLimit ??= new ChatRateLimit(lines, windowMs);
    return this.chatLimit.take(userId, Date.now());
  }

  async readRoom(roomId: string): Promise<LiveRoom> {
    const room = this.rooms.get(roomId);
    if (!room) return { seq: 0, epoch: this.epoch, map: null, members: [], spectators: 0 };
    return { ...this.read(room), map: room.cached ? (JSON.parse(room.cached.json) as RoomMap) : null };
  }

  async roomHeads(roomIds: string[]): Promise<Map<string, { seq: number; version: number | null }>> {
    return new Map(
      roomIds.map((id) => {
        const room = this.rooms.get(id);
        return [id, { seq: room?.seq ?? 0, version: room?.cached?.version ?? null }];
      }),
    );
  }

  async avatarSession(roomId: string, userId: string): Promise<{ sessionId: string; instanceId: string } | null> {
    const held = this.rooms.get(roomId)?.sessions.get(userId);
    return held ? { ...held } : null;
  }

  async eventsSince(roomId: string, afterSeq: number, epoch?: string): Promise<SeqEvent[] | null> {
    const room = this.rooms.get(roomId);
    const events = (room?.log ?? []).filter((e) => e.seq > afterSeq).map((e) => this.logged(e));
    return completeSince(afterSeq, room?.seq ?? 0, events, epoch === undefined || epoch === this.epoch);
  }

  async eventsAfterTime(roomId: string, timeMs: number): Promise<EventsAfter | null> {
    const log = this.rooms.get(roomId)?.log ?? [];
    const last = [...log].reverse().find((e) => e.atMs <= timeMs);
    if (!last) return null;
    const events = await this.eventsSince(roomId, last.seq);
    return events && { afterSeq: last.seq, events };
  }

  async sessionsOfInstance(instanceId: string): Promise<SessionRecord[]> {
    return [...(this.instances.get(instanceId)?.values() ?? [])].map((r) => ({ ...r }));
  }

  async ping(): Promise<void> {}

  // ---- internals ------------------------------------------------------------------------------

  private room(roomId: string): RoomRecord {
    let room = this.rooms.get(roomId);
    if (!room) {
      room = { members: new Map(), sessions: new Map(), spectators: new Map(), seq: 0, log: [] };
      this.rooms.set(roomId, room);
    }
    return room;
  }

  /** Assigns the room's next seq, serializes the event once and keeps it in the bounded log. */
  private append(room: RoomRecord, build: (seq: number) => Record<string, unknown>): SeqEvent {
    const seq = ++room.seq;
    const event = { seq, json: JSON.stringify(build(seq)), atMs: Date.now() };
    room.log.push(event);
    if (room.log.length > this.logLength) room.log.splice(0, room.log.length - this.logLength);
    return this.logged(event);
  }

  private logged(e: SeqEvent): SeqEvent {
    return { seq: e.seq, json: e.json, epoch: this.epoch };
  }

  /** Copies, so callers never hold a reference into the live state. */
  private read(room: RoomRecord): Omit<RoomSnapshot, 'map'> {
    return {
      seq: room.seq,
      epoch: this.epoch,
      members: [...room.members.values()].map((m) => ({ ...m })),
      spectators: room.spectators.size,
    };
  }

  private sessionsOf(instanceId: string): Map<string, SessionRecord> {
    let sessions = this.instances.get(instanceId);
    if (!sessions) {
      sessions = new Map();
      this.instances.set(instanceId, sessions);
    }
    return sessions;
  }

  private forgetSession(instanceId: string, sessionId: string): void {
    const sessions = this.instances.get(instanceId);
    if (!sessions) return;
    sessions.delete(sessionId);
    if (sessions.size === 0) this.instances.delete(instanceId);
  }
}

function cacheOf(map: RoomMap): NonNullable<RoomRecord['cached']> {
  return {
    json: JSON.stringify(map),
    cells: occupancy(map),
    width: map.width,
    height: map.height,
    version: map.version,
  };
}

/** A fresh epoch: the time it began and some randomness, opaque to clients. */
export function newEpoch(): string {
  return `${Date.now().toString(36)}.${randomBytes(6).toString('hex')}`;
}
