import type { Direction, Member, RoomMap, Role, LeaveReason } from '../protocol/messages';
import type { Cell } from '../domain/map';

/**
 * Live room state: who is in which room, where, with which role; the map as cached for validation;
 * the per-room `seq` and a bounded log of recent events (for resume and gap repair).
 * Two adapters: Redis (services mode, shared by every instance) and in-process memory (embedded).
 *
 * Every mutating call is atomic on its own and returns the serialized event it produced, with its
 * `seq` already assigned, so callers never build or number events themselves.
 */
export interface EnterParams {
  userId: string;
  name: string;
  sessionId: string;
  instanceId: string;
  role: Role;
  /** Where a new avatar appears: computed by the caller from the map at `mapVersion`. */
  spawn: Cell;
  /**
   * The cached map version `spawn` was computed from. When the cached map is another version (a
   * build landed meanwhile) the enter changes nothing and throws MapChangedError with the map now
   * cached, so the caller computes the spawn again: this is what lets an enter run without the
   * room lock. Undefined: not checked.
   */
  mapVersion?: number;
  /**
   * The version of the room's entry rules (accessVersion) the caller checked the user against.
   * When the rules changed since (accessChanged), the enter changes nothing and throws
   * AccessChangedError, so the caller reads the rules and checks again: this is what lets an
   * instance keep the rules it read instead of reading them before every enter. Undefined: not checked.
   */
  accessVersion?: string;
}

/** An enter refused because the cached map is not the version its spawn was computed from (or none is cached: null). */
export class MapChangedError extends Error {
  constructor(readonly map: RoomMap | null) {
    super(map ? `the room's map is now version ${map.version}` : 'the room has no cached map');
    this.name = 'MapChangedError';
  }
}

/** An enter refused because the room's entry rules changed since the caller checked them. */
export class AccessChangedError extends Error {
  constructor() {
    super("the room's entry rules changed");
    this.name = 'AccessChangedError';
  }
}

export interface RoomSnapshot {
  seq: number;
  /**
   * The epoch of the live state `seq` counts in: it changes when that state was lost and began
   * again (Redis flushed or restarted empty; a new embedded process), and with it `seq` restarts.
   */
  epoch: string;
  map: RoomMap;
  members: Member[];
  spectators: number;
}

export interface EnterResult extends RoomSnapshot {
  /** The `entered` event, absent when nothing changed for the room (spectator, replacement). */
  event?: SeqEvent;
  /** The session this enter replaced, and the instance that holds it. */
  replaced?: { sessionId: string; instanceId: string };
}

export interface SeqEvent {
  seq: number;
  json: string;
  /** The epoch the event's seq counts in; absent when the reader did not say (then: the current one). */
  epoch?: string;
  /**
   * Set (true) on an event just written when, as it took its seq, no other instance held a live
   * reader mark on the room (`markReader`): nobody else would deliver it, so it need not cross the
   * broker. Absent: someone else reads the room, or it is not known; publish. Never in the log.
   */
  localOnly?: true;
}

/** The log's events after a point in time, and the seq they follow (resume by time). */
export interface EventsAfter {
  afterSeq: number;
  events: SeqEvent[];
}

export type MoveResult =
  | { ok: true; event: SeqEvent; x: number; y: number }
  | { ok: false; code: 'NOT_IN_ROOM' }
  | { ok: false; code: 'BLOCKED'; x: number; y: number };

export type BuildResult = { ok: true; event: SeqEvent } | { ok: false; code: 'CONFLICT'; version: number };

/** A session as recorded for its instance, so a reaper can remove it if the instance dies. */
export interface SessionRecord {
  roomId: string;
  userId: string;
  sessionId: string;
  role: Role;
}

/** The room as a welcome shows it, read without entering; `map` is null until the room's map is cached. */
export interface LiveRoom extends Omit<RoomSnapshot, 'map'> {
  map: RoomMap | null;
}

/** Who wrote a notice (an admin or the room's owner, through the HTTP API). */
export interface NoticeAuthor {
  userId: string;
  name: string;
}

/** A chat line as the room logs it: who said it, the trimmed text, and the server time (ISO-8601). */
export interface ChatLine {
  userId: string;
  name: string;
  text: string;
  at: string;
}

export interface RoomStateStore {
  /** The cached map, or null when the cache has none (then load it from the durable store). */
  getMap(roomId: string): Promise<RoomMap | null>;
  /**
   * Caches `map` unless a map of the same or a newer version is already cached. A room with no
   * seq yet (new, or its live state was lost) starts counting after `seqFloor`: the highest seq of
   * its durable history, so that a new epoch's seqs follow every seq the room ever had, and chat
   * lines and timeline events keep their order by seq across epochs.
   */
  cacheMap(roomId: string, map: RoomMap, seqFloor?: number): Promise<void>;
  enter(roomId: string, p: EnterParams): Promise<EnterResult>;
  /**
   * The version of the room's entry rules: an opaque string that accessChanged() replaces. One is
   * made when there is none (a room never changed, or live state lost), so a version read before
   * the state was lost never matches one after.
   */
  accessVersion(roomId: string): Promise<string>;
  /** The room's entry rules changed (or are about to): enters checked against an older version are refused. */
  accessChanged(roomId: string): Promise<void>;
  move(roomId: string, userId: string, sessionId: string, dir: Direction): Promise<MoveResult>;
  /**
   * Marks this instance as a reader of the room (it has local clients there), or renews the mark,
   * for READER_TTL_MS. Sent at once, before anything the caller writes after it (same connection),
   * so a write that follows sees the mark. Resolves true when there was no live mark: writes of
   * other instances in between may have skipped the broker, so read the room log to catch up.
   */
  markReader(roomId: string): Promise<boolean>;
  /** This instance no longer reads the room (its last local client left). */
  dropReader(roomId: string): Promise<void>;
  /**
   * Removes the session's avatar (or spectator seat) if the session still holds it, and the
   * session's record of `instanceId` (default: the instance recorded as holding the avatar).
   */
  leave(
    roomId: string,
    userId: string,
    sessionId: string,
    role: Role,
    reason: LeaveReason,
    instanceId?: string,
  ): Promise<SeqEvent | null>;
  /**
   * Swaps in `next` if the cached map is still at `baseVersion`, pushes avatars standing on newly
   * occupied cells to `pushes` (keyed by row-major cell index), and logs the `built` event.
   */
  applyBuild(roomId: string, baseVersion: number, next: RoomMap, pushes: Map<number, Cell>): Promise<BuildResult>;
  /** Puts `prev` back after a build whose durable write failed (only if `failed` is still cached). */
  revertBuild(roomId: string, failed: RoomMap, prev: RoomMap): Promise<SeqEvent | null>;
  /**
   * Appends a `notice` event with the room's next seq (fenced like every write): the server's
   * own push into a room, ordered, resumable and replayable like any other event.
   */
  notice(roomId: string, text: string, from: NoticeAuthor): Promise<SeqEvent>;
  /**
   * Appends a `said` event (a chat line) with the room's next seq, fenced like `notice`. The
   * durable history (maps/chat-store.ts) is written around it by the caller.
   */
  said(roomId: string, line: ChatLine): Promise<SeqEvent>;
  /**
   * Counts a chat line of `userId` against the chat limit, across every instance: at most `lines`
   * per sliding window of `windowMs`. Answers undefined when the line may be said (it is counted),
   * else the ms until one may (nothing is counted).
   */
  takeChatLine(userId: string, lines: number, windowMs: number): Promise<number | undefined>;
  /** The live room as an enter would read it, without entering (the operators' view). */
  readRoom(roomId: string): Promise<LiveRoom>;
  /** The last seq and cached map version (null when not cached) of each room. */
  roomHeads(roomIds: string[]): Promise<Map<string, { seq: number; version: number | null }>>;
  /** The session holding `userId`'s avatar in the room, and its instance; null when there is no avatar. */
  avatarSession(roomId: string, userId: string): Promise<{ sessionId: string; instanceId: string } | null>;
  /**
   * Events with seq in (afterSeq, ∞) from the log, or null if the log no longer reaches back, if
   * `afterSeq` is beyond the room's seq (it counts in another epoch), or if `epoch` is given and
   * is not the current one.
   */
  eventsSince(roomId: string, afterSeq: number, epoch?: string): Promise<SeqEvent[] | null>;
  /**
   * The events logged after `timeMs` (epoch ms), or null when the log does not reach back to an
   * event at or before that time in the current epoch (so the client's view cannot be completed).
   */
  eventsAfterTime(roomId: string, timeMs: number): Promise<EventsAfter | null>;
  /** Sessions an instance holds, for the reaper and for graceful shutdown. */
  sessionsOfInstance(instanceId: string): Promise<SessionRecord[]>;
  ping(): Promise<void>;
}

/**
 * This instance's right to write room state: the instance whose lease must still hold `epoch`
 * when a write lands (the Redis adapter checks it inside every mutating script). Implemented by
 * the instance lease (presence/instance-lease.ts); an empty epoch means "not fenced".
 */
export interface WriteFence {
  current(): { instanceId: string; epoch: string };
  /** A write was refused because the lease no longer holds our epoch. */
  reportFenced(): void;
}

/** How long a reader mark lives without renewal; readers renew at a third of it. */
export const READER_TTL_MS = 30_000;

export const ROOM_STATE = Symbol('ROOM_STATE');

/**
 * What `eventsSince` answers, given the log's events after `afterSeq` and the room's seq, both
 * read at one moment: the events when they continue right after `afterSeq`, [] when nothing is
 * missing, null when they cannot be complete (the log no longer reaches back, `afterSeq` is beyond
 * the room's seq, or the caller's epoch is not the current one). Both adapters decide alike.
 */
export function completeSince(
  afterSeq: number,
  last: number,
  events: SeqEvent[],
  sameEpoch: boolean,
): SeqEvent[] | null {
  if (!sameEpoch || afterSeq > last) return null;
  if (afterSeq === last) return [];
  if (events.length === 0 || events[0].seq !== afterSeq + 1) return null;
  return events;
}
