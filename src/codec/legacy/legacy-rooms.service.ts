import { Inject, Injectable } from '@nestjs/common';
import type { Identity } from '../../auth/identity';
import { IdentityProviderUnavailableError, InvalidTokenError, TokenService } from '../../auth/token.service';
import { MapStore } from '../../maps/map-store';
import { CloseCode } from '../../protocol/close-codes';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotInRoomError,
  UnavailableError,
} from '../../protocol/errors';
import { MAX_BUILD_OPS } from '../../protocol/messages';
import type { ClientSession } from '../../rooms/client-session';
import { RoomMaps } from '../../rooms/room-maps';
import { RoomsService } from '../../rooms/rooms.service';
import { SessionAuth } from '../../rooms/session-auth';
import { welcomeFor } from '../../rooms/welcome';
import { ROOM_STATE, type RoomStateStore } from '../../state/room-state.port';
import { legacyBuildOps } from './legacy-build';
import type { LegacyMap } from './legacy-frames';
import { LegacyGameNames } from './legacy-game-names';

/** A `40` diffed against a map that another build then changed is diffed again, this many times in all. */
const BUILD_ATTEMPTS = 3;

/**
 * The legacy requests that are not one v1 call as they stand: the token in the `10` frame, the
 * whole desired map of a `40`, the `11` that asks for the room again. Everything ends in the same
 * RoomsService calls as v1 frames, which know nothing of legacy frames; their replies and errors
 * are v1 messages that the session's codec (legacy-codec.ts) encodes.
 */
@Injectable()
export class LegacyRooms {
  constructor(
    private readonly rooms: RoomsService,
    private readonly roomMaps: RoomMaps,
    private readonly auth: SessionAuth,
    private readonly tokens: TokenService,
    private readonly maps: MapStore,
    private readonly names: LegacyGameNames,
    @Inject(ROOM_STATE) private readonly state: RoomStateStore,
  ) {}

  /** The first `10`'s token, checked as a v1 handshake checks it; the user is recorded as there. */
  async identify(token: string): Promise<Identity> {
    let identity;
    try {
      identity = await this.tokens.verify(token);
    } catch (err) {
      if (err instanceof InvalidTokenError) throw new ForbiddenError(`authorization: not accepted (${err.message})`);
      if (err instanceof IdentityProviderUnavailableError)
        throw new UnavailableError('the token cannot be checked now; try again');
      throw err;
    }
    await this.maps.upsertUser(identity);
    return identity;
  }

  /** A `10` on a socket that already entered: its token is taken as a v1 `refresh` would take it, then the enter. */
  async reenter(session: ClientSession, roomId: string, token: string): Promise<void> {
    await this.auth.refresh(session, { type: 'refresh', token });
    if (!session.isOpen) return; // a token for another user: refresh closed the socket
    await this.enter(session, roomId);
  }

  async enter(session: ClientSession, roomId: string): Promise<void> {
    await this.names.ready();
    await this.rooms.enter(session, { type: 'enter', roomId, as: 'player' });
  }

  /**
   * The owner's whole desired map, as one all-or-nothing v1 build against the current version. A
   * build that lands between our read and ours makes ours a CONFLICT: the desired map is still
   * what the owner wants, so it is diffed again against the newer map.
   */
  async build(session: ClientSession, desired: LegacyMap): Promise<void> {
    const seat = session.seat;
    if (!seat) throw new NotInRoomError();
    if ((await this.roomMaps.ownerOf(seat.roomId)) !== session.identity.userId)
      throw new ForbiddenError('only the room owner can build');
    for (let attempt = 1; ; attempt++) {
      const current = await this.roomMaps.cachedMap(seat.roomId);
      const ops = legacyBuildOps(current, desired);
      // Nothing to change: the client still expects the room back, as after any build.
      if (ops.length === 0) return this.sync(session);
      if (ops.length > MAX_BUILD_OPS)
        throw new BadRequestError(`map: at most ${MAX_BUILD_OPS} changes in one build, not ${ops.length}`);
      try {
        return await this.rooms.build(session, { type: 'build', baseVersion: current.version, ops });
      } catch (err) {
        if (!(err instanceof ConflictError) || attempt >= BUILD_ATTEMPTS) throw err;
      }
    }
  }

  /** `11`: the room as it is now, as a v1 welcome (which the codec shows as a SYNC). */
  async sync(session: ClientSession): Promise<void> {
    const seat = session.seat;
    if (!seat) throw new NotInRoomError();
    const ownerId = await this.roomMaps.ownerOf(seat.roomId);
    const room = await this.state.readRoom(seat.roomId);
    const map = room.map ?? (await this.roomMaps.cachedMap(seat.roomId));
    if (session.seat !== seat) return;
    session.sendMessage(welcomeFor(session, seat.role, ownerId, { ...room, roomId: seat.roomId, map, chat: [] }));
  }

  /** `19`: the avatar leaves, then the socket closes normally, as the original server did. */
  async leave(session: ClientSession): Promise<void> {
    if (session.seat) await this.rooms.leave(session, { type: 'leave' });
    session.close(CloseCode.NORMAL, 'left');
  }
}
