import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { laggingWelcomes } from '../common/metrics';
import type { WelcomeMessage } from '../protocol/messages';
import { ROOM_STATE, type RoomStateStore } from '../state/room-state.port';
import type { ClientSession } from './client-session';
import { ChatService } from './chat/chat.service';
import { RoomChannels } from './room-channels';
import { RoomMaps } from './room-maps';
import { welcomeFor } from './welcome';

/**
 * The room afresh for a socket whose events were dropped while it lagged (slow-consumer.ts): a
 * `welcome` like an enter's, unrequested, with `resumed: false` and `reason: "lagging"`, then the
 * live events after its seq. The room is read in one atomic snapshot (seq, map and members of the
 * same moment), so the welcome plus the events after its seq are exactly the room.
 *
 * The same unrequested welcome (without `reason`) goes to every local client of a room whose live
 * state began a new epoch (room-channels.ts asks for it): the room afresh, in the new epoch.
 */
@Injectable()
export class LaggingWelcome implements OnModuleInit {
  constructor(
    @Inject(ROOM_STATE) private readonly state: RoomStateStore,
    private readonly roomMaps: RoomMaps,
    private readonly channels: RoomChannels,
    private readonly chat: ChatService,
  ) {}

  onModuleInit(): void {
    this.channels.onNewEpoch((roomId, sessions, released) => this.sendNewEpoch(roomId, sessions, released));
  }

  async send(session: ClientSession): Promise<void> {
    const seat = session.seat;
    if (!seat) return session.resumeLive(undefined, 0);
    const { roomId, role } = seat;
    const ownerId = await this.roomMaps.ownerOf(roomId);
    // Read before the room, as an enter does: every line in it is at or before the welcome's seq.
    const chat = await this.chat.recent(roomId, session);
    const room = await this.readRoom(roomId);
    // The socket may have closed, left or changed rooms while we read: nothing to send then.
    if (!session.isOpen || session.seat !== seat) return session.resumeLive(undefined, 0);
    const welcome: WelcomeMessage = {
      ...welcomeFor(session, role, ownerId, { ...room, roomId, chat }),
      resumed: false,
      reason: 'lagging',
    };
    session.resumeLive(welcome, room.seq);
    this.channels.rejoin(session, roomId, room.seq, room.epoch);
    laggingWelcomes.inc();
  }

  /**
   * The room began a new epoch (its live state was lost and rebuilt): every local client of it
   * gets the room afresh, unrequested, with `resumed: false` and the new `epoch`, from one read
   * that is no older than what the channel released meanwhile (so nothing between is missed).
   */
  private async sendNewEpoch(
    roomId: string,
    sessions: ClientSession[],
    released: () => number | undefined,
  ): Promise<{ seq: number; epoch: string; welcomed: ClientSession[] }> {
    const ownerId = await this.roomMaps.ownerOf(roomId);
    const chat = await this.chat.recent(roomId, sessions[0]);
    let room = await this.readRoom(roomId);
    for (let reads = 1; reads < 5 && room.seq < (released() ?? -1); reads++) room = await this.readRoom(roomId);
    const welcomed: ClientSession[] = [];
    for (const s of sessions) {
      const seat = s.seat;
      if (!s.isOpen || seat?.roomId !== roomId) continue;
      const welcome: WelcomeMessage = {
        ...welcomeFor(s, seat.role, ownerId, { ...room, roomId, chat }),
        resumed: false,
      };
      s.sendMessage(welcome);
      welcomed.push(s);
    }
    return { seq: room.seq, epoch: room.epoch, welcomed };
  }

  /** The room in one atomic snapshot, its map loaded into the cache first if the cache lost it. */
  private async readRoom(roomId: string) {
    let room = await this.state.readRoom(roomId);
    if (!room.map) {
      // The cache lost the map (Redis restarted empty): load it, and read the room again with it.
      await this.roomMaps.cachedMap(roomId);
      room = await this.state.readRoom(roomId);
      if (!room.map) throw new Error(`room ${roomId} has no cached map`);
    }
    return { ...room, map: room.map };
  }
}
