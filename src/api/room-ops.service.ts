import { Inject, Injectable } from '@nestjs/common';
import { isAdmin } from '../auth/admin';
import type { Identity } from '../auth/identity';
import { audited } from '../logging/audit';
import { LOGGER, type Logger } from '../logging/logger';
import { ROOM_LOCKS, type RoomLocks } from '../locks/room-locks.port';
import { MapStore } from '../maps/map-store';
import { ForbiddenError, NotInRoomError, RoomNotFoundError } from '../protocol/errors';
import { EntryRules } from '../rooms/entry-rules';
import { RoomEvents } from '../rooms/room-events';
import { RoomMaps } from '../rooms/room-maps';
import { SessionRegistry } from '../rooms/session-registry';
import { ROOM_STATE, type RoomStateStore } from '../state/room-state.port';
import type { AccessMode } from '../domain/access';
import { AccessStore } from '../maps/access-store';
import type {
  BanResponse,
  KickAccepted,
  LiveRoomSummary,
  LiveRoomsResponse,
  NoticeAccepted,
  RoomAccessResponse,
  RoomStateResponse,
  RoomSummary,
} from './api-types';
import { DirectoryRepository } from './directory.repository';
import { InstancesService } from './instances.service';

/**
 * What operators and game backends do to rooms over HTTP: look at them, push a notice into one,
 * remove an avatar. Notices and kicks are room events like the WebSocket's: they take the room's
 * next seq in the room state and are published the same way (RoomEvents.publish).
 */
@Injectable()
export class RoomOpsService {
  constructor(
    @Inject(ROOM_STATE) private readonly state: RoomStateStore,
    @Inject(ROOM_LOCKS) private readonly locks: RoomLocks,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly directory: DirectoryRepository,
    private readonly maps: MapStore,
    private readonly events: RoomEvents,
    private readonly sessions: SessionRegistry,
    private readonly instances: InstancesService,
    private readonly access: AccessStore,
    private readonly entryRules: EntryRules,
    private readonly roomMaps: RoomMaps,
  ) {}

  /** Every room with live players or spectators, on any live instance, most players first. */
  async liveRooms(): Promise<LiveRoomsResponse> {
    const ids = await this.instances.liveIds();
    const perInstance = await Promise.all(
      ids.map(async (id) => ({ id, records: await this.state.sessionsOfInstance(id) })),
    );
    const live = new Map<string, { players: number; spectators: number; instances: Set<string> }>();
    for (const { id, records } of perInstance) {
      for (const r of records) {
        let room = live.get(r.roomId);
        if (!room) live.set(r.roomId, (room = { players: 0, spectators: 0, instances: new Set() }));
        if (r.role === 'player') room.players++;
        else room.spectators++;
        room.instances.add(id);
      }
    }
    const roomIds = [...live.keys()];
    const [heads, owners] = await Promise.all([this.state.roomHeads(roomIds), this.directory.findRooms(roomIds)]);
    const ownerOf = new Map(owners.map((o) => [o.roomId, o.owner]));
    const rooms: LiveRoomSummary[] = roomIds.flatMap((roomId) => {
      const owner = ownerOf.get(roomId);
      const room = live.get(roomId)!;
      const head = heads.get(roomId) ?? { seq: 0, version: null };
      if (!owner) return [];
      return [
        {
          roomId,
          owner,
          players: room.players,
          spectators: room.spectators,
          seq: head.seq,
          version: head.version,
          instances: [...room.instances].sort(),
        },
      ];
    });
    rooms.sort((a, b) => b.players - a.players || a.roomId.localeCompare(b.roomId, 'en', { numeric: true }));
    return { rooms };
  }

  /** The room as a `welcome` would show it; the stored map when nobody entered since the cache lost it. */
  async roomState(roomId: string): Promise<RoomStateResponse> {
    await this.requireRoom(roomId);
    const live = await this.state.readRoom(roomId);
    const map = live.map ?? (await this.maps.findRoom(roomId))?.map;
    if (!map) throw new RoomNotFoundError(roomId);
    return { roomId, seq: live.seq, map, members: live.members, spectators: live.spectators };
  }

  notice(roomId: string, text: string, by: Identity): Promise<NoticeAccepted> {
    return audited(this.log, { actor: by.userId, action: 'notice', roomId, chars: text.length }, () =>
      this.sendNotice(roomId, text, by),
    );
  }

  kick(roomId: string, userId: string, by: Identity): Promise<KickAccepted> {
    return audited(this.log, { actor: by.userId, action: 'kick', roomId, target: userId }, () =>
      this.kickAvatar(roomId, userId, by),
    );
  }

  /** The room's entry rules (admin or owner). */
  async readAccess(roomId: string, by: Identity): Promise<RoomAccessResponse> {
    await this.requireModerator(roomId, by);
    return { roomId, ...(await this.access.read(roomId)) };
  }

  setAccess(roomId: string, mode: AccessMode, allow: string[], by: Identity): Promise<RoomAccessResponse> {
    return audited(
      this.log,
      { actor: by.userId, action: 'room.access', roomId, mode, allow: allow.length },
      async () => {
        await this.requireModerator(roomId, by);
        await this.entryRules.change(roomId, () => this.access.setAccess(roomId, mode, allow));
        return { roomId, ...(await this.access.read(roomId)) };
      },
    );
  }

  /** Bans the user (stored first, so no enter gets in after); if inside, removes the avatar as a kick does. */
  ban(roomId: string, userId: string, by: Identity): Promise<BanResponse> {
    return audited(this.log, { actor: by.userId, action: 'ban', roomId, target: userId }, async () => {
      const room = await this.requireModerator(roomId, by);
      if (userId === room.owner.userId) throw new ForbiddenError('the owner of a room cannot be banned from it');
      await this.entryRules.change(roomId, () => this.access.ban(roomId, userId));
      const kicked = await this.removeAvatar(roomId, userId, by, room);
      await this.removeWatcher(roomId, userId, kickMessage(roomId, by, room));
      return { roomId, userId, banned: true, ...(kicked !== null ? { kickedSeq: kicked } : {}) };
    });
  }

  unban(roomId: string, userId: string, by: Identity): Promise<BanResponse> {
    return audited(this.log, { actor: by.userId, action: 'unban', roomId, target: userId }, async () => {
      await this.requireModerator(roomId, by);
      await this.entryRules.change(roomId, () => this.access.unban(roomId, userId));
      return { roomId, userId, banned: false };
    });
  }

  private async sendNotice(roomId: string, text: string, by: Identity): Promise<NoticeAccepted> {
    await this.requireModerator(roomId, by);
    this.events.requireFanout();
    // A room whose live state was lost gets its map back first, and with it a seq that starts
    // above its durable history (RoomMaps.recache), as an enter would: a notice must not restart it.
    await this.roomMaps.cachedMap(roomId);
    const event = await this.state.notice(roomId, text, { userId: by.userId, name: by.name });
    this.events.publish(roomId, event);
    this.log.info({ room: roomId, by: by.userId, seq: event.seq }, 'notice sent');
    return { roomId, seq: event.seq };
  }

  /**
   * The avatar leaves with reason `kicked` here, under the room lock, wherever its socket is;
   * then the instance holding the socket tells it (`kicked`) and closes it with 4003.
   */
  private async kickAvatar(roomId: string, userId: string, by: Identity): Promise<KickAccepted> {
    const room = await this.requireModerator(roomId, by);
    if (userId === room.owner.userId) throw new ForbiddenError('the owner of a room cannot be kicked from it');
    const seq = await this.removeAvatar(roomId, userId, by, room);
    if (seq === null) throw new NotInRoomError(`user ${userId} is not in room ${roomId}`);
    return { roomId, userId, seq };
  }

  /** The user's avatar leaves with `kicked` and its socket is told; the seq of the `left`, or null when it had none. */
  private async removeAvatar(roomId: string, userId: string, by: Identity, room: RoomSummary): Promise<number | null> {
    this.events.requireFanout();
    const holder = await this.state.avatarSession(roomId, userId);
    if (!holder) return null;
    const event = await this.locks.withRoomLock(roomId, () =>
      this.state.leave(roomId, userId, holder.sessionId, 'player', 'kicked', holder.instanceId),
    );
    // Null: the avatar left (or changed hands) between the lookup and the lock.
    if (!event) return null;
    this.events.publish(roomId, event);
    const message = kickMessage(roomId, by, room);
    // The avatar is out either way; a socket that misses this hears NOT_IN_ROOM on its next move.
    await this.sessions
      .kick(roomId, holder, message)
      .catch((err: unknown) =>
        this.log.warn({ err, room: roomId, user: userId }, "kicked, but the socket's instance could not be told"),
      );
    this.log.info({ room: roomId, user: userId, by: by.userId, seq: event.seq }, 'kicked');
    return event.seq;
  }

  /**
   * The user's spectator sessions in the room (they have no avatar to remove), on every live
   * instance: each is told `kicked` and closed with 4003 like a kicked player, and its close
   * gives up the seat.
   */
  private async removeWatcher(roomId: string, userId: string, message: string): Promise<void> {
    for (const instanceId of await this.instances.liveIds()) {
      for (const r of await this.state.sessionsOfInstance(instanceId)) {
        if (r.roomId !== roomId || r.userId !== userId || r.role !== 'spectator') continue;
        await this.sessions
          .kick(roomId, { sessionId: r.sessionId, instanceId }, message)
          .catch((err: unknown) =>
            this.log.warn({ err, room: roomId, user: userId }, "banned, but a spectator's instance could not be told"),
          );
      }
    }
  }

  private async requireRoom(roomId: string): Promise<RoomSummary> {
    const room = await this.directory.findRoom(roomId);
    if (!room) throw new RoomNotFoundError(roomId);
    return room;
  }

  /** The room, when `by` may act on it: an admin, or the room's owner. */
  private async requireModerator(roomId: string, by: Identity): Promise<RoomSummary> {
    const room = await this.requireRoom(roomId);
    if (!isAdmin(by) && room.owner.userId !== by.userId)
      throw new ForbiddenError("only an admin or the room's owner may do this");
    return room;
  }
}

function kickMessage(roomId: string, by: Identity, room: RoomSummary): string {
  return isAdmin(by) && by.userId !== room.owner.userId
    ? `an admin removed you from room ${roomId}`
    : `the owner of room ${roomId} removed you from it`;
}
