import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import type { Identity } from '../auth/identity';
import { idString } from '../protocol/messages';
import { ACCESS_MODES } from '../domain/access';
import type { BanResponse, KickAccepted, NoticeAccepted, RoomAccessResponse, RoomStateResponse } from './api-types';
import { BearerAuthGuard, CurrentIdentity } from './bearer-auth.guard';
import {
  ApiProblems,
  banSchema,
  kickAcceptedSchema,
  noticeAcceptedSchema,
  roomAccessSchema,
  roomStateSchema,
} from './openapi-schemas';
import { ApiRateLimitGuard } from './rate-limit.guard';
import { RoomOpsService } from './room-ops.service';
import { ZodValidationPipe } from './zod-validation.pipe';

export const MAX_NOTICE_LENGTH = 500;
const noticeBody = z.object({
  text: z
    .string()
    .min(1)
    .max(MAX_NOTICE_LENGTH)
    .refine((t) => t.trim().length > 0, 'must not be blank'),
});
const kickBody = z.object({ userId: idString });
/** At most this many users on a room's allow list. */
export const MAX_ALLOW_LIST = 1000;
const accessBody = z.object({ mode: z.enum(ACCESS_MODES), allow: z.array(idString).max(MAX_ALLOW_LIST) });
const userIdParam = new ZodValidationPipe(idString, 'userId');
const roomIdParam = new ZodValidationPipe(idString, 'roomId');

/** Room-scoped reads and actions for operators, game backends and room owners. */
@ApiTags('rooms')
@ApiBearerAuth()
@Controller('api/rooms/:roomId')
@UseGuards(BearerAuthGuard, ApiRateLimitGuard)
export class RoomOpsController {
  constructor(private readonly ops: RoomOpsService) {}

  @Get('state')
  @ApiOperation({ summary: 'The live room as a welcome shows it: seq, map, members, spectators' })
  @ApiParam({ name: 'roomId' })
  @ApiOkResponse({ schema: roomStateSchema })
  @ApiProblems(400, 401, 404, 429, 503)
  state(@Param('roomId', roomIdParam) roomId: string): Promise<RoomStateResponse> {
    return this.ops.roomState(roomId);
  }

  @Post('notices')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Push a notice to every client in the room, on every instance (admin or owner)',
    description:
      'Clients receive `{ "type": "notice", "roomId", "seq", "text", "from": { "userId", "name" } }`; the notice takes the room\'s next seq.',
  })
  @ApiParam({ name: 'roomId' })
  @ApiBody({
    schema: {
      type: 'object',
      properties: { text: { type: 'string', minLength: 1, maxLength: MAX_NOTICE_LENGTH } },
      required: ['text'],
    },
  })
  @ApiAcceptedResponse({ description: 'the seq the notice took', schema: noticeAcceptedSchema })
  @ApiProblems(400, 401, 403, 404, 429, 503)
  notice(
    @Param('roomId', roomIdParam) roomId: string,
    @Body(new ZodValidationPipe(noticeBody)) body: z.infer<typeof noticeBody>,
    @CurrentIdentity() identity: Identity,
  ): Promise<NoticeAccepted> {
    return this.ops.notice(roomId, body.text, identity);
  }

  @Post('kick')
  @HttpCode(202)
  @ApiOperation({
    summary: "Remove a user's avatar from the room (admin or owner; never the owner)",
    description:
      'The avatar leaves with reason `kicked`; its socket, on whichever instance, gets `{ "type": "kicked", "roomId", "message" }` and close code 4003.',
  })
  @ApiParam({ name: 'roomId' })
  @ApiBody({ schema: { type: 'object', properties: { userId: { type: 'string' } }, required: ['userId'] } })
  @ApiAcceptedResponse({ description: 'the seq of the `left` event', schema: kickAcceptedSchema })
  @ApiProblems(400, 401, 403, 404, 429, 503)
  kick(
    @Param('roomId', roomIdParam) roomId: string,
    @Body(new ZodValidationPipe(kickBody)) body: z.infer<typeof kickBody>,
    @CurrentIdentity() identity: Identity,
  ): Promise<KickAccepted> {
    return this.ops.kick(roomId, body.userId, identity);
  }

  @Get('access')
  @ApiOperation({ summary: "The room's entry rules: mode, allow list, bans (admin or owner)" })
  @ApiParam({ name: 'roomId' })
  @ApiOkResponse({ schema: roomAccessSchema })
  @ApiProblems(400, 401, 403, 404, 429, 503)
  readAccess(
    @Param('roomId', roomIdParam) roomId: string,
    @CurrentIdentity() identity: Identity,
  ): Promise<RoomAccessResponse> {
    return this.ops.readAccess(roomId, identity);
  }

  @Put('access')
  @ApiOperation({
    summary: 'Make the room public or private (admin or owner)',
    description:
      'In a private room only the owner and the users in `allow` may enter; others get `FORBIDDEN`. Users already inside stay.',
  })
  @ApiParam({ name: 'roomId' })
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        mode: { type: 'string', enum: [...ACCESS_MODES] },
        allow: { type: 'array', items: { type: 'string' }, maxItems: MAX_ALLOW_LIST },
      },
      required: ['mode', 'allow'],
    },
  })
  @ApiOkResponse({ schema: roomAccessSchema })
  @ApiProblems(400, 401, 403, 404, 429, 503)
  setAccess(
    @Param('roomId', roomIdParam) roomId: string,
    @Body(new ZodValidationPipe(accessBody)) body: z.infer<typeof accessBody>,
    @CurrentIdentity() identity: Identity,
  ): Promise<RoomAccessResponse> {
    return this.ops.setAccess(roomId, body.mode, body.allow, identity);
  }

  @Put('bans/:userId')
  @ApiOperation({
    summary: 'Ban a user from the room (admin or owner; never the owner)',
    description:
      'A banned user cannot enter (`FORBIDDEN`); if inside, the avatar leaves with reason `kicked` and its socket gets `kicked` and close code 4003.',
  })
  @ApiParam({ name: 'roomId' })
  @ApiParam({ name: 'userId' })
  @ApiOkResponse({ schema: banSchema })
  @ApiProblems(400, 401, 403, 404, 429, 503)
  ban(
    @Param('roomId', roomIdParam) roomId: string,
    @Param('userId', userIdParam) userId: string,
    @CurrentIdentity() identity: Identity,
  ): Promise<BanResponse> {
    return this.ops.ban(roomId, userId, identity);
  }

  @Delete('bans/:userId')
  @ApiOperation({ summary: 'Lift a ban (admin or owner)' })
  @ApiParam({ name: 'roomId' })
  @ApiParam({ name: 'userId' })
  @ApiOkResponse({ schema: banSchema })
  @ApiProblems(400, 401, 403, 404, 429, 503)
  unban(
    @Param('roomId', roomIdParam) roomId: string,
    @Param('userId', userIdParam) userId: string,
    @CurrentIdentity() identity: Identity,
  ): Promise<BanResponse> {
    return this.ops.unban(roomId, userId, identity);
  }
}
