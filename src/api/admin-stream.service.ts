import { type BeforeApplicationShutdown, HttpException, Injectable, type MessageEvent } from '@nestjs/common';
import { exhaustMap, from, type Observable, ReplaySubject, share, takeUntil, timer } from 'rxjs';
import type { AdminSnapshot } from './api-types';
import { eventsPerSecond, roomSeqs, type RoomSeqs } from './admin-totals';
import { InstancesService } from './instances.service';
import { RoomOpsService } from './room-ops.service';

/** How often the admin console's figures are taken. */
export const ADMIN_STREAM_PERIOD_MS = 1000;

/**
 * The admin console's live feed: instances, live rooms and totals, once a second, as server-sent
 * events. One poll of Redis and the database per instance however many consoles watch (the
 * pipeline is shared), and none while nobody does.
 */
@Injectable()
export class AdminStreamService implements BeforeApplicationShutdown {
  /** Replays, so that a console arriving during shutdown is ended too. */
  private readonly closing = new ReplaySubject<void>(1);
  private previous?: RoomSeqs;

  readonly events: Observable<MessageEvent> = timer(0, ADMIN_STREAM_PERIOD_MS).pipe(
    // A slow look skips ticks rather than piling up behind itself.
    exhaustMap(() => from(this.take())),
    takeUntil(this.closing),
    share(),
  );

  constructor(
    private readonly instances: InstancesService,
    private readonly ops: RoomOpsService,
  ) {}

  /** Ends every open stream: the HTTP server waits for open responses before it closes. */
  beforeApplicationShutdown(): void {
    this.closing.next();
  }

  private async take(): Promise<MessageEvent> {
    const atMs = Date.now();
    try {
      const [instances, { rooms }] = await Promise.all([this.instances.list(), this.ops.liveRooms()]);
      const seqs = roomSeqs(rooms, atMs);
      const rate = eventsPerSecond(this.previous, seqs);
      this.previous = seqs;
      const snapshot: AdminSnapshot = {
        at: new Date(atMs).toISOString(),
        servedBy: this.instances.me,
        instances,
        rooms,
        totals: {
          players: rooms.reduce((n, r) => n + r.players, 0),
          spectators: rooms.reduce((n, r) => n + r.spectators, 0),
          rooms: rooms.length,
          instances: instances.length,
          eventsPerSecond: rate,
        },
      };
      return { type: 'snapshot', data: snapshot };
    } catch (err) {
      // Redis or the database is down: say so and keep the stream, which resumes when they are back.
      this.previous = undefined;
      const detail = err instanceof HttpException ? err.message : 'the figures cannot be read right now';
      return { type: 'unavailable', data: { at: new Date(atMs).toISOString(), detail } };
    }
  }
}
