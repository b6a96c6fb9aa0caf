import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { withDeadline } from '../common/deadline';
import { audited } from '../logging/audit';
import { ROOM_LOCKS, type RoomLocks } from '../locks/room-locks.port';
import { mayEnter, type RoomAccess } from '../domain/access';
import { MapStore } from '../maps/map-store';
import {
  BlockedError,
  ConflictError,
  ForbiddenError,
  NotInRoomError,
  RoomBusyError,
  SessionGoneError,
  UnavailableError,
} from '../protocol/errors';
import type {
  BuildMessage,
  EnterMessage,
  LeaveReason,
  LeaveMessage,
  MoveMessage,
  RoomEvent,
  RoomMap,
  SaidEvent,
} from '../protocol/messages';
import {
  type EnterResult,
  AccessChangedError,
  MapChangedError,
  ROOM_STATE,
  type RoomStateStore,
  type SeqEvent,
  type SessionRecord,
} from '../state/room-state.port';
import { ChatService } from './chat/chat.service';
import { ReplayService } from './history/replay.service';
import type { ClientSession, RoomSeat } from './client-session';
import { pushTargets } from '../domain/free-cell';
import type { Cell } from '../domain/map';
import { checkedBuild, MAX_ENTER_ATTEMPTS, type SpawnCell, spawnOn } from './room-rules';
import { RoomChannels } from './room-channels';
import { RoomEvents } from './room-events';
import { RoomMaps } from './room-maps';
import { EntryRules, type KnownRules } from './entry-rules';
import { welcomeFor } from './welcome';
import { WsSpan } from './ws-span';
import { type AvatarExit, SessionRegistry } from './session-registry';

/**
 * A room's lifecycle, top to bottom: enter, move, build, leave. Sessions, and the ways they end,
 * are the SessionRegistry's; it comes back here to take their avatars out.
 *
 * Concurrency, decided here:
 * - enter takes no lock: it is one state write (one Redis script) that checks the fencing epoch,
 *   records the session, and places a new avatar on a spawn cell computed beforehand from map
 *   version V, but only if V is still the cached version (else it writes nothing and the spawn is
 *   computed again). The spawn depends on the map alone (not on other avatars: they may share a
 *   cell), so a version check makes it exactly as right as computing it under the lock. What the
 *   lock also ordered is ordered by the scripts themselves: a concurrent leave or reaper only
 *   removes an avatar if its session still holds it, so an enter that replaced it wins either way;
 *   a build that lands after the enter's version check pushes the new avatar off newly covered
 *   cells inside the build script (it reads the members at that moment), and one that lands before
 *   it fails the check. Without the lock, enter costs one round trip instead of four (lock, map,
 *   script, unlock) and never waits behind a build's MySQL commit.
 * - build takes no room lock either: its SQL transaction orders concurrent builds of a room (the
 *   version compare-and-set holds the room's row until the commit) and its Redis script re-checks
 *   the version (see applyBuild).
 * - leave runs under the room's distributed lock; the Redis script it ends in re-checks the
 *   session id, so a lock that expired mid-way still cannot corrupt the room.
 * - move takes no lock: it is one Redis script that checks the session, bounds and the cached
 *   grid, then writes the position and the next `seq` atomically. Builds swap the grid inside a
 *   script too, so a move sees either the old map or the new one, never half of each.
 * - events are published after the write (and any lock) is done.
 */
@Injectable()
export class RoomsService implements OnModuleInit, AvatarExit {
  /** Per room, the spawn cell of the last map version seen here (a pure function of the map). */
  private readonly spawns = new Map<string, SpawnCell>();
  /** Leaves in flight, so a disconnect racing a drain (or a leave) removes the avatar once. */
  private readonly leaving = new Map<ClientSession, Promise<void>>();
  /**
   * Local seats whose avatars went with the lost live state and are not back yet (restoreSeats).
   * Until then their moves answer UNAVAILABLE: the state would say NOT_IN_ROOM, which would take
   * the seat away for good while its avatar is about to be put back.
   */
  private readonly unrestored = new Set<ClientSession>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOM_STATE) private readonly state: RoomStateStore,
    @Inject(ROOM_LOCKS) private readonly locks: RoomLocks,
    private readonly maps: MapStore,
    private readonly channels: RoomChannels,
    private readonly sessions: SessionRegistry,
    private readonly events: RoomEvents,
    private readonly roomMaps: RoomMaps,
    private readonly chat: ChatService,
    private readonly replays: ReplayService,
    private readonly entryRules: EntryRules,
  ) {}

  onModuleInit(): void {
    this.sessions.useExit(this);
  }

  // ---- enter ----------------------------------------------------------------------------------

  @WsSpan('enter')
  async enter(session: ClientSession, msg: EnterMessage): Promise<void> {
    if (this.sessions.isDraining) throw new UnavailableError('this server is restarting; reconnect');
    const { roomId, as: role } = msg;
    const ownerId = await this.roomMaps.ownerOf(roomId);
    // The welcome's chat lines are read beside the enter (a SQL read that changes nothing); a
    // refused enter drops them. (recent() never rejects: without the history the welcome has none.)
    const recentChat = this.chat.recent(roomId, session);
    const rules = await this.entryRules.current(roomId);
    this.requireEntry(rules.access, ownerId, session);
    this.events.requireFanout(); // before leaving the current room, so a refused enter changes nothing
    this.replays.stop(session);
    if (session.seat) await this.leaveRoom(session, 'leave');
    this.unrestored.delete(session); // its old seat is gone: the enter seats it in the current state

    this.channels.beginJoin(roomId);
    let result;
    try {
      result = await this.enterState(session, roomId, role, { ownerId, rules });
    } catch (err) {
      this.channels.abandon(roomId);
      throw err;
    }
    if (!result) {
      this.channels.abandon(roomId);
      return;
    }
    const chat = await this.withoutLiveLines(roomId, await recentChat, result);

    const missed = msg.resume ? await this.missedSince(roomId, msg.resume, result.epoch) : undefined;
    session.seat = { roomId, role, sinceSeq: result.seq };
    const welcome = welcomeFor(
      session,
      role,
      ownerId,
      {
        roomId,
        seq: result.seq,
        epoch: result.epoch,
        map: result.map,
        members: result.members,
        spectators: result.spectators,
        chat,
      },
      msg.id,
    );
    if (missed !== undefined) welcome.resumed = missed !== null;
    session.sendMessage(welcome);
    if (missed) for (const e of missed) if (e.seq <= result.seq) session.send(e.json);
    this.channels.join(session, roomId, result.seq, result.epoch);
    session.log.info({ room: roomId, role, seq: result.seq, replaced: !!result.replaced }, 'entered');

    if (result.event) this.events.publish(roomId, result.event);
    if (result.replaced) await this.sessions.replace(roomId, result.replaced);
  }

  /**
   * The enter's one write, without the room lock: the spawn comes from the map version this
   * instance last saw, and the state refuses the enter (MapChangedError, nothing written) if a
   * build has cached another version since; then the spawn is computed again from the map it
   * hands back. Null when the socket closed before the write.
   */
  private async enterState(
    session: ClientSession,
    roomId: string,
    role: EnterMessage['as'],
    entry?: { ownerId: string; rules: KnownRules },
    /** Where the avatar should stand, when it is put back (restoreSeats): the free cell nearest to it. */
    near?: Cell,
  ): Promise<EnterResult | null> {
    await this.leavesOfUser(session, roomId);
    let spawn = near ? undefined : this.spawns.get(roomId);
    for (let attempt = 1; ; attempt++) {
      spawn ??= spawnOn(await this.roomMaps.cachedMap(roomId), near);
      // The socket may have closed while this enter waited (for a leave, for the map). Its
      // session is over: entering now would replace the user's newer, live socket in this room
      // (which would get `replaced` and 4001, and then lose the avatar to this dead session's
      // disconnect), or at best add an avatar only to remove it again.
      if (!session.isOpen) return null;
      try {
        const result = await this.state.enter(roomId, {
          userId: session.identity.userId,
          name: session.identity.name,
          sessionId: session.id,
          instanceId: this.config.instanceId,
          role,
          spawn: spawn.cell,
          mapVersion: spawn.version,
          accessVersion: entry?.rules.version,
        });
        if (result.map.version !== spawn.version) this.spawns.set(roomId, spawnOn(result.map));
        else if (!near) this.spawns.set(roomId, spawn);
        return result;
      } catch (err) {
        if (err instanceof AccessChangedError && entry) {
          // The rules changed since they were checked: check the user against the new ones. A refusal
          // here is the one that comes after the user left the room they were in: the change came between.
          if (attempt >= MAX_ENTER_ATTEMPTS) throw new RoomBusyError("the room's entry rules kept changing; try again");
          entry.rules = await this.entryRules.reread(roomId);
          this.requireEntry(entry.rules.access, entry.ownerId, session);
          continue;
        }
        if (!(err instanceof MapChangedError)) throw err;
        // Builds landed between our read and our write that many times: the room is that busy.
        if (attempt >= MAX_ENTER_ATTEMPTS) throw new RoomBusyError("the room's map kept changing; try again");
        spawn = err.map ? spawnOn(err.map, near) : undefined;
        this.spawns.delete(roomId);
      }
    }
  }

  /**
   * The welcome's chat lines, less those the client gets as events: the history is read beside the
   * enter's write, so it may hold lines said after it. Those are in the room's log past the
   * welcome's seq. A line past that seq that the log does not hold is from an earlier epoch (the
   * live state was lost and seq began again) and stays.
   */
  private async withoutLiveLines(roomId: string, lines: SaidEvent[], entered: EnterResult): Promise<SaidEvent[]> {
    if (!lines.some((line) => line.seq > entered.seq)) return lines;
    const later = await this.state.eventsSince(roomId, entered.seq, entered.epoch).catch(() => null);
    const live = new Set<string>();
    for (const e of later ?? []) {
      const event = JSON.parse(e.json) as RoomEvent;
      if (event.type === 'said') live.add(lineKey(event));
    }
    return lines.filter((line) => line.seq <= entered.seq || !live.has(lineKey(line)));
  }

  /** The owner's rules (domain/access.ts), as entry-rules.ts keeps them: the enter's write checks their version. */
  private requireEntry(access: RoomAccess, ownerId: string, session: ClientSession): void {
    const verdict = mayEnter(access, ownerId, session.identity.userId);
    if (verdict.ok) return;
    throw new ForbiddenError(
      verdict.reason === 'banned'
        ? 'you are banned from this room'
        : 'this room is private: only invited users may enter',
    );
  }

  /**
   * What a resuming client missed, from its last seq or from a time, or null when that cannot be
   * told exactly: the log no longer reaches back, or the client counted in another epoch (the room's
   * state was lost and began again since; its seq would name other events). Null gets it a fresh
   * welcome (`resumed: false`), never a wrong delta.
   */
  private async missedSince(
    roomId: string,
    resume: NonNullable<EnterMessage['resume']>,
    epoch: string,
  ): Promise<SeqEvent[] | null> {
    try {
      if ('time' in resume) return (await this.state.eventsAfterTime(roomId, Date.parse(resume.time)))?.events ?? null;
      if (resume.epoch !== undefined && resume.epoch !== epoch) return null;
      return await this.state.eventsSince(roomId, resume.seq, epoch);
    } catch {
      return null;
    }
  }

  /**
   * The same user's other sessions here that are leaving this room: their leave goes first, as it
   * did when both took the room lock, so a quick reconnect gets a fresh avatar (`left`, then
   * `entered`) rather than taking over the one being removed. Either outcome is consistent (the
   * scripts check session ids); this keeps the one clients saw before.
   */
  private async leavesOfUser(session: ClientSession, roomId: string): Promise<void> {
    const userId = session.identity.userId;
    for (const [other, done] of this.leaving) {
      if (other !== session && other.identity.userId === userId && other.seat?.roomId === roomId)
        await done.catch(() => undefined);
    }
  }

  // ---- move -----------------------------------------------------------------------------------

  @WsSpan('move')
  async move(session: ClientSession, msg: MoveMessage): Promise<void> {
    const seat = session.seat;
    if (!seat) throw new NotInRoomError();
    if (seat.role !== 'player') throw new ForbiddenError('spectators cannot move');
    if (this.unrestored.has(session))
      throw new UnavailableError("the room's live state was lost and your avatar is being put back; try again");
    this.events.requireFanout();
    const res = await this.state.move(seat.roomId, session.identity.userId, session.id, msg.dir);
    if (!res.ok) {
      if (res.code === 'BLOCKED') throw new BlockedError(res.x, res.y);
      this.sessions.unseat(session);
      throw new NotInRoomError('your avatar is no longer in the room; enter again');
    }
    this.events.publish(
      seat.roomId,
      res.event,
      msg.id !== undefined ? { sessionId: session.id, requestId: msg.id } : undefined,
    );
  }

  // ---- build ----------------------------------------------------------------------------------

  /** Every build, done or refused, leaves an audit line (who, which room, the refusal's code). */
  @WsSpan('build')
  async build(session: ClientSession, msg: BuildMessage): Promise<void> {
    const entry = {
      actor: session.identity.userId,
      action: 'build' as const,
      roomId: session.seat?.roomId,
      ops: msg.ops.length,
    };
    await audited(session.log, entry, () => this.buildUnaudited(session, msg));
  }

  private async buildUnaudited(session: ClientSession, msg: BuildMessage): Promise<void> {
    const seat = session.seat;
    if (!seat) throw new NotInRoomError();
    const roomId = seat.roomId;
    const ownerId = await this.roomMaps.ownerOf(roomId);
    if (ownerId !== session.identity.userId) throw new ForbiddenError('only the room owner can build');
    this.events.requireFanout();

    const events = await this.applyBuild(session, seat, ownerId, msg);
    for (const e of events) this.events.publish(roomId, e);
    if (events.length > 1) throw new UnavailableError('the map could not be saved; nothing was changed');
    if (msg.id !== undefined) session.sendMessage({ type: 'ack', id: msg.id });
  }

  /**
   * The build's writes, without the room lock: its SQL transaction orders it. The transaction's
   * compare-and-set of the version on the room's row holds that row until the commit, so a
   * concurrent build of the room (here or on another instance, or on SQLite, where transactions
   * take turns) waits there and then finds the version moved (CONFLICT). The Redis script compares
   * the version again, so a map read from the cache while another build was under way cannot be
   * written over it. Builds thus land one at a time, in both stores or in neither. The cached map
   * is read while the transaction begins, and the Redis script runs while the object rows are
   * written (MapStore.saveBuild): four round trips in a row where there were six. Answers the
   * events to publish: the build's, or after a failed SQL write the build's and its revert's.
   */
  private async applyBuild(
    session: ClientSession,
    seat: RoomSeat,
    ownerId: string,
    msg: BuildMessage,
  ): Promise<SeqEvent[]> {
    const roomId = seat.roomId;
    const games = msg.ops.flatMap((op) => (op.op === 'place' && op.gameId !== undefined ? [op.gameId] : []));
    const owned = games.length ? await this.maps.ownedGameIds(ownerId, games) : new Set<number>();
    const cached = this.state.getMap(roomId);
    cached.catch(() => undefined); // awaited inside the transaction, which may fail to begin first
    let change: { prev: RoomMap; next: RoomMap; pushed: number } | undefined;
    let built: SeqEvent | undefined;
    try {
      await this.maps.saveBuild(roomId, async (stored) => {
        const prev = (await cached) ?? (await this.roomMaps.recache(roomId, await stored()));
        if (prev.version !== msg.baseVersion) throw new ConflictError(prev.version);
        const next = checkedBuild(prev, msg, owned);
        const pushes = pushTargets(prev, next);
        change = { prev, next, pushed: pushes.size };
        const writeCache = async () => {
          if (!session.stillSeatedIn(seat)) throw new SessionGoneError();
          const res = await this.state.applyBuild(roomId, prev.version, next, pushes);
          if (!res.ok) throw new ConflictError(res.version);
          built = res.event;
        };
        return { prev, next, writeCache };
      });
    } catch (err) {
      // Redis took the build but the SQL write failed: put the old map back in Redis too. A build
      // waiting on the room's row meanwhile cannot land in Redis before this revert: its script
      // compares against the version this build's script wrote.
      if (built && change) {
        const reverted = await this.state.revertBuild(roomId, change.next, change.prev);
        session.log.error({ err, room: roomId }, 'build write failed in SQL after the cache took it; reverted');
        return reverted ? [built, reverted] : [built];
      }
      throw err;
    }
    const { next, pushed } = change!;
    this.spawns.set(roomId, spawnOn(next));
    session.log.info({ room: roomId, version: next.version, ops: msg.ops.length, pushed }, 'built');
    return [built!];
  }

  // ---- leave ----------------------------------------------------------------------------------

  @WsSpan('leave')
  async leave(session: ClientSession, msg: LeaveMessage): Promise<void> {
    // A replaying socket is in no room: its `leave` stops the replay.
    if (!session.seat && this.replays.stop(session)) {
      if (msg.id !== undefined) session.sendMessage({ type: 'ack', id: msg.id });
      return;
    }
    if (!session.seat) throw new NotInRoomError();
    this.events.requireFanout();
    await this.leaveRoom(session, 'leave');
    if (msg.id !== undefined) session.sendMessage({ type: 'ack', id: msg.id });
  }

  /** Takes the avatar out (the session's end, or before entering another room); once, however many ask. */
  leaveRoom(session: ClientSession, reason: LeaveReason): Promise<void> {
    const inFlight = this.leaving.get(session);
    if (inFlight) return inFlight;
    const done = this.removeAvatar(session, reason).finally(() => this.leaving.delete(session));
    this.leaving.set(session, done);
    return done;
  }

  async leavesSettled(): Promise<void> {
    await Promise.allSettled([...this.leaving.values()]);
  }

  private async removeAvatar(session: ClientSession, reason: LeaveReason): Promise<void> {
    const seat = session.seat;
    if (!seat) return;
    const event = await this.locks.withRoomLock(seat.roomId, () =>
      this.state.leave(seat.roomId, session.identity.userId, session.id, seat.role, reason, this.config.instanceId),
    );
    this.sessions.unseat(session);
    session.log.info({ room: seat.roomId, reason }, 'left');
    if (event) this.events.publish(seat.roomId, event);
  }

  // ---- the shared state was lost (presence/) -----------------------------------------------------

  /**
   * The live state was lost: every local seat waits to be put back by restoreSeats (its moves
   * answer UNAVAILABLE meanwhile). Called before the new lease lets writes through.
   */
  seatsLost(): void {
    this.unrestored.clear();
    for (const session of this.sessions.seated()) this.unrestored.add(session);
  }

  /** The seats will not be restored here (the lease could not be taken: every session is dropped). */
  forgetLostSeats(): void {
    this.unrestored.clear();
  }

  /**
   * Puts the local sessions of seatsLost() back into their rooms after the live state was lost (a
   * new epoch): players get an avatar again, spectators their seat. Each room's channel is told of
   * the epoch, so its clients get the room afresh even when nothing here writes an event
   * (spectators only). Sessions that left, closed or entered anew meanwhile are skipped. Answers
   * how many seats were restored; a seat that fails is left for the caller's retry.
   */
  async restoreSeats(): Promise<number> {
    // The reader marks went with the state: back before the enters, so no write after them skips us.
    this.events.markReadRooms(false);
    const positions = new Map<string, Promise<Map<string, Cell>>>();
    let restored = 0;
    for (const session of [...this.unrestored]) {
      const seat = session.seat;
      if (!seat || !this.unrestored.has(session)) {
        this.unrestored.delete(session);
        continue;
      }
      const near =
        seat.role === 'player'
          ? (await this.lastPositions(seat.roomId, positions, session.log)).get(session.identity.userId)
          : undefined;
      const result = await this.enterState(session, seat.roomId, seat.role, undefined, near);
      this.unrestored.delete(session);
      if (!result || session.seat !== seat) continue;
      restored++;
      this.channels.epochSeen(seat.roomId, result.epoch);
      if (result.event) this.events.publish(seat.roomId, result.event);
    }
    return restored;
  }

  /**
   * Where the room's players stood before its live state was lost, read once per room and restore
   * (ReplayService.lastPositions). The lost run is any epoch but the one the state is in now. A
   * timeline that cannot be read costs the positions, not the restore: players then enter on the
   * spawn cell, as newcomers do.
   */
  private lastPositions(
    roomId: string,
    known: Map<string, Promise<Map<string, Cell>>>,
    log: ClientSession['log'],
  ): Promise<Map<string, Cell>> {
    let positions = known.get(roomId);
    if (!positions) {
      const read = this.state
        .readRoom(roomId)
        .then((now) => this.replays.lastPositions(roomId, now.epoch))
        .catch((err: unknown) => {
          log.warn({ err, room: roomId }, 'last positions unreadable; restoring on the spawn cell');
          return new Map<string, Cell>();
        });
      // A slow database must not hold the players out of the game: past this, the spawn cell.
      positions = withDeadline(read, LAST_POSITIONS_WAIT_MS, () => {
        log.warn(
          { room: roomId, waitedMs: LAST_POSITIONS_WAIT_MS },
          'last positions too slow; restoring on the spawn cell',
        );
        return new Map<string, Cell>();
      });
      known.set(roomId, positions);
    }
    return positions;
  }

  // ---- avatars of dead instances (presence/) --------------------------------------------------

  /** An avatar whose instance died (or whose lease we lost): it leaves with `timeout`, published like any event. */
  async removeOrphan(record: SessionRecord, instanceId: string): Promise<void> {
    const event = await this.locks.withRoomLock(record.roomId, () =>
      this.state.leave(record.roomId, record.userId, record.sessionId, record.role, 'timeout', instanceId),
    );
    if (event) this.events.publish(record.roomId, event);
  }
}

/** How long a restore waits for where its room's players last stood, before it uses the spawn cell. */
const LAST_POSITIONS_WAIT_MS = 2000;

const lineKey = (line: SaidEvent) => `${line.seq}|${line.userId}|${line.at}`;
