import type { HistoryStore, LoggedEvent, RoomSnapshotRow } from '../../maps/history-store';
import type { Member, RoomEvent, RoomMap } from '../../protocol/messages';
import { applyRoomEvent, type RoomFrame } from '../../protocol/room-reducer';

/** Events read from the store at a time. */
const PAGE = 500;
/**
 * Each instance writes the events it took a seq for in batches of its own, so the newest events
 * may reach the store out of order: a missing seq followed by an event younger than this is taken
 * for one not written yet, and the timeline ends before it. An older hole is one the store never
 * got (it was down), and is passed over.
 */
const SETTLE_MS = 3000;

/** A room as it was at a replay's point, and the events that follow it. */
export interface ReplayPoint {
  seq: number;
  /** Server time of the point (ms): of its last event, or of the snapshot, or the asked time. */
  at: number;
  map: RoomMap;
  members: Member[];
}

/**
 * Reads a room's timeline forward from a snapshot: first rebuilding the room up to a point (the
 * snapshot, then every logged event up to the point applied with the clients' own rule,
 * protocol/room-reducer.ts), then handing out the events after it one by one, a page at a time.
 */
export class ReplayTimeline {
  private page: LoggedEvent[] = [];
  private lastSeq: number;
  private exhausted = false;

  constructor(
    private readonly store: HistoryStore,
    private readonly snapshot: RoomSnapshotRow,
  ) {
    this.lastSeq = snapshot.seq;
  }

  /** The room right after event `seq`, or as it was at time `at` (ms): the last event at or before it. */
  async rebuild(point: { seq: number } | { at: number }): Promise<ReplayPoint> {
    const room: RoomFrame = {
      map: this.snapshot.map,
      members: new Map(this.snapshot.members.map((m) => [m.userId, m])),
    };
    let seq = this.snapshot.seq;
    let at = this.snapshot.at;
    for (;;) {
      const e = await this.peek();
      if (!e || ('seq' in point ? e.seq > point.seq : e.at > point.at)) break;
      await this.next();
      applyRoomEvent(room, JSON.parse(e.json) as RoomEvent);
      seq = e.seq;
      at = e.at;
    }
    if ('at' in point) at = point.at;
    return { seq, at, map: room.map, members: [...room.members.values()] };
  }

  /** The next event after the point, or undefined at the end of what is logged. */
  async next(): Promise<LoggedEvent | undefined> {
    const e = await this.peek();
    if (e) this.page.shift();
    return e;
  }

  private async peek(): Promise<LoggedEvent | undefined> {
    if (this.page.length === 0 && !this.exhausted) {
      const page = await this.store.eventsAfter(this.snapshot.roomId, this.snapshot.epoch, this.lastSeq, PAGE);
      if (page.length < PAGE) this.exhausted = true;
      const settled = Date.now() - SETTLE_MS;
      const unwritten = page.findIndex((e, i) => e.seq !== (i ? page[i - 1].seq : this.lastSeq) + 1 && e.at > settled);
      if (unwritten >= 0) {
        page.length = unwritten;
        this.exhausted = true;
      }
      this.page = page;
      if (this.page.length) this.lastSeq = this.page[this.page.length - 1].seq;
    }
    return this.page[0];
  }
}
