import { Inject, Injectable } from '@nestjs/common';
import { ChatStore } from '../maps/chat-store';
import { HistoryStore } from '../maps/history-store';
import { MapStore } from '../maps/map-store';
import { RoomNotFoundError } from '../protocol/errors';
import type { RoomMap } from '../protocol/messages';
import { ROOM_STATE, type RoomStateStore } from '../state/room-state.port';

/**
 * A room's owner and map as the room lifecycle needs them: owners never change, so they are
 * remembered here; the map is the room state's cached copy, loaded from the durable store (MySQL
 * or SQLite) when the cache lost it.
 */
@Injectable()
export class RoomMaps {
  private readonly owners = new Map<string, string>();

  constructor(
    @Inject(ROOM_STATE) private readonly state: RoomStateStore,
    private readonly maps: MapStore,
    private readonly chat: ChatStore,
    private readonly history: HistoryStore,
  ) {}

  async ownerOf(roomId: string): Promise<string> {
    const known = this.owners.get(roomId);
    if (known) return known;
    const room = await this.maps.findRoom(roomId);
    if (!room) throw new RoomNotFoundError(roomId);
    this.owners.set(roomId, room.ownerId);
    return room.ownerId;
  }

  async cachedMap(roomId: string): Promise<RoomMap> {
    const cached = await this.state.getMap(roomId);
    if (cached) return cached;
    const stored = await this.maps.findRoom(roomId);
    if (!stored) throw new RoomNotFoundError(roomId);
    return this.recache(roomId, stored.map);
  }

  /**
   * Puts the stored map back in the room state's cache, which had lost it. When the room's seq
   * went with it (the live state was lost: a new epoch), the seq starts again above the highest
   * seq of the room's chat lines and timeline, not from 0: chat history pages and replays order by
   * seq, and must not find the new epoch's lines among, or before, the old ones.
   */
  async recache(roomId: string, stored: RoomMap): Promise<RoomMap> {
    await this.state.cacheMap(roomId, stored, await this.durableSeqFloor(roomId));
    return stored;
  }

  /**
   * The highest seq the room's durable history holds (0 for a room without any). Chat lines are
   * committed before their event is sent, so their part is exact; the timeline is written in
   * batches and may lack the last fraction of a second of a lost epoch.
   */
  private async durableSeqFloor(roomId: string): Promise<number> {
    const [chat, timeline] = await Promise.all([this.chat.highestSeq(roomId), this.history.highestSeq(roomId)]);
    return Math.max(chat, timeline);
  }
}
