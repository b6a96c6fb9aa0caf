import { Inject, Injectable } from '@nestjs/common';
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

  /** Puts the stored map back in the room state's cache, which had lost it. */
  async recache(roomId: string, stored: RoomMap): Promise<RoomMap> {
    await this.state.cacheMap(roomId, stored);
    return stored;
  }
}
