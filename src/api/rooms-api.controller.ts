import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { isAdmin } from '../auth/admin';
import type { Identity } from '../auth/identity';
import { idString } from '../protocol/messages';
import type { LiveRoomsResponse, MeResponse, RoomInfoResponse, RoomsResponse } from './api-types';
import { BearerAuthGuard, CurrentIdentity } from './bearer-auth.guard';
import { DirectoryService } from './directory.service';
import { ApiProblems, roomsSchema } from './openapi-schemas';
import { ApiRateLimitGuard } from './rate-limit.guard';
import { RoomOpsService } from './room-ops.service';
import { ZodValidationPipe } from './zod-validation.pipe';

@ApiTags('rooms')
@ApiBearerAuth()
@Controller('api')
@UseGuards(BearerAuthGuard, ApiRateLimitGuard)
export class RoomsApiController {
  constructor(
    private readonly directory: DirectoryService,
    private readonly ops: RoomOpsService,
  ) {}

  @Get('me')
  me(@CurrentIdentity() identity: Identity): Promise<MeResponse> {
    return this.directory.me(identity);
  }

  @Get('rooms')
  @ApiOperation({
    summary: 'Rooms: for an admin every room with live players and where they are; for others the room directory',
  })
  @ApiOkResponse({ schema: roomsSchema })
  @ApiProblems(401, 429, 503)
  rooms(@CurrentIdentity() identity: Identity): Promise<RoomsResponse | LiveRoomsResponse> {
    return isAdmin(identity) ? this.ops.liveRooms() : this.directory.rooms();
  }

  @Get('rooms/:roomId')
  room(@Param('roomId', new ZodValidationPipe(idString)) roomId: string): Promise<RoomInfoResponse> {
    return this.directory.room(roomId);
  }
}
