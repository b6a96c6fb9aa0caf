import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { MapStore } from '../maps/map-store';
import { RoomNotFoundError } from '../protocol/errors';
import { idString } from '../protocol/messages';
import { ChatService, WELCOME_CHAT_LINES } from '../rooms/chat/chat.service';
import type { ChatPage } from './api-types';
import { BearerAuthGuard } from './bearer-auth.guard';
import { ApiProblems, chatPageSchema } from './openapi-schemas';
import { ApiRateLimitGuard } from './rate-limit.guard';
import { ZodValidationPipe } from './zod-validation.pipe';

export const MAX_CHAT_PAGE = 100;
const chatQuery = z.object({
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_CHAT_PAGE).default(WELCOME_CHAT_LINES),
});

/** A room's chat history, for anyone signed in (anyone may enter a room and read it there too). */
@ApiTags('rooms')
@ApiBearerAuth()
@Controller('api/rooms/:roomId/chat')
@UseGuards(BearerAuthGuard, ApiRateLimitGuard)
export class ChatController {
  constructor(
    private readonly chat: ChatService,
    private readonly maps: MapStore,
  ) {}

  @Get()
  @ApiOperation({
    summary: "Pages back through a room's chat history",
    description:
      'The `said` events of the room with a seq below `before` (the newest when absent), at most `limit`, oldest first, exactly as clients received them.',
  })
  @ApiParam({ name: 'roomId' })
  @ApiQuery({ name: 'before', required: false, schema: { type: 'integer', minimum: 1 } })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: MAX_CHAT_PAGE, default: WELCOME_CHAT_LINES },
  })
  @ApiOkResponse({ schema: chatPageSchema })
  @ApiProblems(400, 401, 404, 429, 503)
  async page(
    @Param('roomId', new ZodValidationPipe(idString, 'roomId')) roomId: string,
    @Query(new ZodValidationPipe(chatQuery)) query: z.infer<typeof chatQuery>,
  ): Promise<ChatPage> {
    if (!(await this.maps.findRoom(roomId))) throw new RoomNotFoundError(roomId);
    return { roomId, chat: await this.chat.page(roomId, query.limit, query.before) };
  }
}
