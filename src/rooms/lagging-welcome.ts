import { Inject, Injectable } from '@nestjs/common';
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
 */
@Injectable()
export class LaggingWelcome {
  constructor(
    @Inject(ROOM_STATE) private readonly state: RoomStateStore,
    private readonly roomMaps: RoomMaps,
    private readonly channels: RoomChannels,
    private readonly chat: ChatService,
  ) {}

  async send(session: ClientSession): Promise<void> {
    const seat = session.seat;
    if (!seat) return session.resumeLive(undefined, 0);
    const { roomId, role } = seat;
    const ownerId = await this.roomMaps.ownerOf(roomId);
    // Read before the room, as an enter does: every line in it is at or before the welcome's seq.
    const chat = await this.chat.recent(roomId, session);
    let room = await this.state.readRoom(roomId);
    if (!room.map) {
      // The cache lost the map (Redis restarted empty): load it, and read the room again with it.
      await this.roomMaps.cachedMap(roomId);
      room = await this.state.readRoom(roomId);
      if (!room.map) throw new Error(`room ${roomId} has no cached map`);
    }
    // The socket may have closed, left or changed rooms while we read: nothing to send then.
    if (!session.isOpen || session.seat !== seat) return session.resumeLive(undefined, 0);
    const welcome: WelcomeMessage = {
      ...welcomeFor(session, role, ownerId, { ...room, roomId, map: room.map, chat }),
      resumed: false,
      reason: 'lagging',
    };
    session.resumeLive(welcome, room.seq);
    this.channels.rejoin(session, roomId, room.seq);
    laggingWelcomes.inc();
  }
}
