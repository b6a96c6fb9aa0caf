import { Controller, type MessageEvent, Sse, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { type Observable, takeUntil, timer } from 'rxjs';
import type { Identity } from '../auth/identity';
import { AdminGuard } from './admin.guard';
import { AdminStreamService } from './admin-stream.service';
import { BearerAuthGuard, CurrentIdentity } from './bearer-auth.guard';
import { ApiProblems } from './openapi-schemas';
import { ApiRateLimitGuard } from './rate-limit.guard';

/** The admin console's live feed (admin only). */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/admin')
@UseGuards(BearerAuthGuard, ApiRateLimitGuard, AdminGuard)
export class AdminStreamController {
  constructor(private readonly stream: AdminStreamService) {}

  @Sse('stream')
  @ApiOperation({
    summary: 'Live instances, rooms and totals for the admin console (admin; server-sent events)',
    description:
      'A `text/event-stream`: an event `snapshot` every second, its data `{ at, servedBy, instances, rooms, totals }` ' +
      '(`instances` as GET /api/instances, `rooms` as GET /api/rooms for an admin, `totals`: players, spectators, rooms, ' +
      "instances, eventsPerSecond from the rooms' seq). While Redis or the database is down, `unavailable` events " +
      '`{ at, detail }` instead. The stream ends when the instance shuts down or the token expires; reconnect (to any instance, with a valid token).',
  })
  @ApiProduces('text/event-stream')
  @ApiProblems(401, 403, 429)
  events(@CurrentIdentity() by: Identity): Observable<MessageEvent> {
    // The token was checked once, when the stream opened: it must not outlive the token.
    if (by.expiresAt === undefined) return this.stream.events;
    return this.stream.events.pipe(takeUntil(timer(new Date(by.expiresAt))));
  }
}
