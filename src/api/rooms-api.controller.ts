import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import type { Identity } from '../auth/identity';
import { idString } from '../protocol/messages';
import type { MeResponse, RoomInfoResponse, RoomsResponse } from './api-types';
import { BearerAuthGuard, CurrentIdentity } from './bearer-auth.guard';
import { DirectoryService } from './directory.service';
import { ZodValidationPipe } from './zod-validation.pipe';

@Controller('api')
@UseGuards(BearerAuthGuard)
export class RoomsApiController {
  constructor(private readonly directory: DirectoryService) {}

  @Get('me')
  me(@CurrentIdentity() identity: Identity): Promise<MeResponse> {
    return this.directory.me(identity);
  }

  @Get('rooms')
  rooms(): Promise<RoomsResponse> {
    return this.directory.rooms();
  }

  @Get('rooms/:roomId')
  room(@Param('roomId', new ZodValidationPipe(idString)) roomId: string): Promise<RoomInfoResponse> {
    return this.directory.room(roomId);
  }
}
