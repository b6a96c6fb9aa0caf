import { Inject, Injectable } from '@nestjs/common';
import { backoffDelay } from '../../common/backoff';
import { APP_CONFIG, type AppConfig } from '../../config/config';
import { LOGGER, type Logger } from '../../logging/logger';
import { ChatStore } from '../../maps/chat-store';
import { NotInRoomError, RateLimitedError, SessionGoneError } from '../../protocol/errors';
import type { SaidEvent, SayMessage } from '../../protocol/messages';
import { ROOM_STATE, type RoomStateStore, type SeqEvent } from '../../state/room-state.port';
import type { ClientSession } from '../client-session';
import { RoomEvents } from '../room-events';
import { WsSpan } from '../ws-span';

/** How many lines a `welcome` carries. */
export const WELCOME_CHAT_LINES = 50;
/** Attempts to write a line to the history again after its transaction failed past the seq. */
const HISTORY_RETRIES = 5;

/**
 * Chat: `say` from anyone in the room becomes a `said` event, live for the room and durable in
 * the SQL history that `welcome` and `GET /api/rooms/:roomId/chat` read.
 *
 * Ordering, decided here: the line is written inside one SQL transaction whose last step before
 * the commit is the room state's append (which takes the seq and logs the event), and the event
 * is published only after that. So a database that is down refuses the line (UNAVAILABLE) before
 * any seq is taken, and a room state that refuses it (down, fenced) rolls the row back: live and
 * history both never saw it. The one window left is a commit that fails after the seq was taken.
 * The line is then already in the room's log, and clients that repair a gap or resume would read
 * it from there, so pretending it was never said would make live clients disagree with each
 * other; instead it is published like any line and written to the history again, outside the
 * transaction, a few times with backoff (an error is logged if that too fails).
 */
@Injectable()
export class ChatService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOM_STATE) private readonly state: RoomStateStore,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly history: ChatStore,
    private readonly events: RoomEvents,
  ) {}

  @WsSpan('say')
  async say(session: ClientSession, msg: SayMessage): Promise<void> {
    const seat = session.seat;
    if (!seat) throw new NotInRoomError();
    const userId = session.identity.userId;
    this.events.requireFanout(); // first: a line refused for that is not counted against the limit
    // Counted across every instance (the room state's count), before the SQL transaction: a
    // refused line costs no database work.
    const { chatRateLines, chatRateWindowMs } = this.config.rooms;
    const retryAfterMs = await this.state.takeChatLine(userId, chatRateLines, chatRateWindowMs);
    if (retryAfterMs !== undefined) throw new RateLimitedError(retryAfterMs);

    const roomId = seat.roomId;
    const line = { userId, name: session.identity.name, text: msg.text, at: new Date().toISOString() };
    let taken: { event: SeqEvent; said: SaidEvent } | undefined;
    try {
      await this.history.record(async () => {
        // After the transaction's first await: the session may have been dropped meanwhile.
        if (!session.stillSeatedIn(seat)) throw new SessionGoneError();
        const event = await this.state.said(roomId, line);
        taken = { event, said: JSON.parse(event.json) as SaidEvent };
        return taken.said;
      });
    } catch (err) {
      if (!taken) throw err;
      session.log.error(
        { err, room: roomId, seq: taken.event.seq },
        'chat history commit failed after the seq was taken; retrying',
      );
      void this.rewrite(taken.said);
    }
    this.events.publish(
      roomId,
      taken!.event,
      msg.id !== undefined ? { sessionId: session.id, requestId: msg.id } : undefined,
    );
  }

  /**
   * The room's last lines for a `welcome`, oldest first. Read beside the enter's write, so lines
   * said just after it may be here too: the enter drops those, which come as events. A history
   * that cannot be read does not keep anyone out of a live room: the welcome then has none.
   */
  async recent(roomId: string, session: ClientSession): Promise<SaidEvent[]> {
    return this.history.page(roomId, WELCOME_CHAT_LINES).catch((err: unknown) => {
      session.log.warn({ err, room: roomId }, 'chat history unavailable; welcome without it');
      return [];
    });
  }

  /** A page of the history (GET /api/rooms/:roomId/chat): lines with seq < `before`, oldest first. */
  page(roomId: string, limit: number, before?: number): Promise<SaidEvent[]> {
    return this.history.page(roomId, limit, before);
  }

  private async rewrite(said: SaidEvent): Promise<void> {
    for (let attempt = 0; attempt < HISTORY_RETRIES; attempt++) {
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, { baseMs: 500, maxMs: 8000, factor: 2 })).unref());
      try {
        await this.history.insert(said);
        return;
      } catch (err) {
        if (attempt === HISTORY_RETRIES - 1)
          this.log.error({ err, room: said.roomId, seq: said.seq }, 'chat line lost from the history');
      }
    }
  }
}
