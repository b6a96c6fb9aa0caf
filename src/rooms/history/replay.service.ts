import { Injectable } from '@nestjs/common';
import { ChatStore } from '../../maps/chat-store';
import type { Cell } from '../../domain/map';
import { HistoryStore } from '../../maps/history-store';
import { BadRequestError, OutOfRangeError } from '../../protocol/errors';
import type { ReplayEndMessage, ReplayMessage, WelcomeMessage } from '../../protocol/messages';
import type { ClientSession } from '../client-session';
import { RoomMaps } from '../room-maps';
import { welcomeFor } from '../welcome';
import { WsSpan } from '../ws-span';
import { WELCOME_CHAT_LINES } from '../chat/chat.service';
import { replayDelay } from './replay-pace';
import { ReplayTimeline } from './replay-timeline';
import { TimelineRecorder } from './timeline-recorder';

/**
 * `replay`: a socket outside any room watches a room's past. It gets a `welcome` with
 * `replay: true` (the room as it was at the point, rebuilt from the timeline), then the events
 * logged after the point with their original `seq` and `at`, paced as they happened (times the
 * speed, long pauses shortened), then `replay-end`. The socket takes no seat: no avatar, not a
 * spectator, no live events; `leave`, `enter`, another `replay` or closing the socket stops it.
 *
 * The events are sent from a loop of their own, outside the socket's frame queue, so that the
 * `leave` that stops a replay is handled while it plays.
 */
@Injectable()
export class ReplayService {
  private readonly playing = new WeakMap<ClientSession, AbortController>();

  constructor(
    private readonly history: HistoryStore,
    private readonly chat: ChatStore,
    private readonly roomMaps: RoomMaps,
    private readonly recorder: TimelineRecorder,
  ) {}

  /**
   * Where each player of the room last stood in the run before `epoch` (a live state that was
   * lost), as the timeline kept it: its newest snapshot of another epoch, and that epoch's events
   * after it. Empty when nothing of that run is kept. Each instance writes the events it took a
   * seq for, its own players' moves among them, so what waits here is written first; another
   * instance's last batch (up to 200 ms) may be missing, which only its own players' positions need.
   */
  async lastPositions(roomId: string, epoch: string): Promise<Map<string, Cell>> {
    await this.recorder.flush();
    const snapshot = await this.history.newestSnapshotBesides(roomId, epoch);
    if (!snapshot) return new Map();
    const room = await new ReplayTimeline(this.history, snapshot).rebuild({ at: Date.now() });
    return new Map(room.members.map((m) => [m.userId, { x: m.x, y: m.y }]));
  }

  @WsSpan('replay')
  async start(session: ClientSession, msg: ReplayMessage): Promise<void> {
    if (session.seat) throw new BadRequestError('roomId: leave the room before replaying one');
    this.stop(session);
    const { roomId } = msg;
    const ownerId = await this.roomMaps.ownerOf(roomId);
    const point = 'seq' in msg.from ? { seq: msg.from.seq } : { at: Date.parse(msg.from.time) };
    // What this instance took seqs for is written in batches: write what waits first, so a replay
    // asked for right after an event sees it (other instances' batches follow within 200 ms).
    await this.recorder.flush();
    const snapshot = await this.history.snapshotBefore(roomId, point);
    if (!snapshot) {
      const earliest = await this.history.earliest(roomId);
      throw new OutOfRangeError(earliest && { seq: earliest.seq, time: new Date(earliest.at).toISOString() });
    }
    const timeline = new ReplayTimeline(this.history, snapshot);
    const room = await timeline.rebuild(point);
    // The chat as it stood at the point: the lines up to its seq.
    const chat = await this.chat.page(roomId, WELCOME_CHAT_LINES, room.seq + 1);
    // Another replay, an enter, or the socket's end may have come while we read.
    if (!session.isOpen || session.seat || this.playing.has(session)) return;

    const welcome: WelcomeMessage = {
      ...welcomeFor(
        session,
        'spectator',
        ownerId,
        // The epoch the replayed seqs count in (empty for rows kept before the state had epochs).
        {
          roomId,
          seq: room.seq,
          epoch: snapshot.epoch ?? '',
          map: room.map,
          members: room.members,
          spectators: 0,
          chat,
        },
        msg.id,
      ),
      replay: true,
      at: new Date(room.at).toISOString(),
    };
    session.sendMessage(welcome);
    const abort = new AbortController();
    this.playing.set(session, abort);
    session.socket.once('close', () => abort.abort());
    void this.play(session, roomId, timeline, room, msg.speed, abort.signal).finally(() => {
      if (this.playing.get(session) === abort) this.playing.delete(session);
    });
  }

  /** Stops the session's replay; true when one was playing. */
  stop(session: ClientSession): boolean {
    const abort = this.playing.get(session);
    if (!abort) return false;
    abort.abort();
    this.playing.delete(session);
    return true;
  }

  private async play(
    session: ClientSession,
    roomId: string,
    timeline: ReplayTimeline,
    from: { seq: number; at: number },
    speed: number,
    signal: AbortSignal,
  ): Promise<void> {
    let { seq, at } = from;
    try {
      for (;;) {
        const e = await timeline.next();
        if (signal.aborted) return;
        if (!e) break;
        await pause(replayDelay(e.at - at, speed), signal);
        if (signal.aborted || !session.isOpen) return;
        session.send(withTime(e.json, e.at));
        seq = e.seq;
        at = e.at;
      }
    } catch (err) {
      // The timeline became unreadable mid-way: end the replay where it got to.
      session.log.warn({ err, room: roomId, seq }, 'replay stopped early: the timeline could not be read');
    }
    if (signal.aborted || !session.isOpen) return;
    const end: ReplayEndMessage = { type: 'replay-end', roomId, seq };
    session.sendMessage(end);
  }
}

/** The event as sent live, with its server time added when it carries none (a `said` has its own). */
function withTime(json: string, at: number): string {
  const event = JSON.parse(json) as { at?: string };
  if (event.at !== undefined) return json;
  return JSON.stringify({ ...event, at: new Date(at).toISOString() });
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
