import { Injectable, NotFoundException } from '@nestjs/common';
import type { Identity } from '../auth/identity';
import { TokenService } from '../auth/token.service';
import type { DevTokenResponse, DevUsersResponse, MeResponse, RoomInfoResponse, RoomsResponse } from './api-types';
import { DirectoryRepository } from './directory.repository';

const DEV_TOKEN_TTL_SECONDS = 12 * 3600;
const LIST_LIMIT = 100;

/** What the web client asks over HTTP: who am I, which rooms exist, what an owner may place. */
@Injectable()
export class DirectoryService {
  constructor(
    private readonly directory: DirectoryRepository,
    private readonly tokens: TokenService,
  ) {}

  async demoUsers(): Promise<DevUsersResponse> {
    return { users: await this.directory.listUsers(LIST_LIMIT) };
  }

  /** Development sign-in: a token for a user that already exists (e.g. the seeded demo users). */
  async devToken(userId: string, admin = false): Promise<DevTokenResponse> {
    const user = await this.directory.findUser(userId);
    if (!user) throw new NotFoundException(`no user ${userId}`);
    const identity = { userId: user.userId, name: user.name, ...(admin ? { role: 'admin' as const } : {}) };
    const token = this.tokens.mint(identity, DEV_TOKEN_TTL_SECONDS);
    return { token, user, expiresInSeconds: DEV_TOKEN_TTL_SECONDS };
  }

  async me(identity: Identity): Promise<MeResponse> {
    const own = await this.directory.findRoom(identity.userId);
    return { user: { userId: identity.userId, name: identity.name }, roomId: own ? own.roomId : null };
  }

  async rooms(): Promise<RoomsResponse> {
    return { rooms: await this.directory.listRooms(LIST_LIMIT) };
  }

  async room(roomId: string): Promise<RoomInfoResponse> {
    const room = await this.directory.findRoom(roomId);
    if (!room) throw new NotFoundException(`no room ${roomId}`);
    return { ...room, games: await this.directory.library(room.owner.userId) };
  }
}
