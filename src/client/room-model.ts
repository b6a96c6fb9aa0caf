import type { Member, NoticeEvent, Role, RoomEvent, RoomMap, SaidEvent, WelcomeMessage } from '../protocol/messages';
import { applyRoomEvent } from '../protocol/room-reducer';

/** How many of the room's latest notices a model keeps. */
const KEPT_NOTICES = 20;

/** How many chat lines a model keeps (a welcome brings up to 50; older ones are paged over HTTP). */
export const KEPT_CHAT_LINES = 200;

/** What applying one event did: changed the model, was old news, or showed a missed event. */
export type ApplyResult = 'applied' | 'stale' | 'gap';

/**
 * A room as one client sees it, built only from server frames: a `welcome` sets everything,
 * then each event with the next `seq` changes it. Nothing here guesses ahead of the server, so
 * a view drawn from this model shows only confirmed positions.
 */
export class RoomModel {
  roomId = '';
  seq = 0;
  /** The epoch `seq` counts in (a resume names it, so a server whose room state began again answers afresh). */
  epoch = '';
  you: WelcomeMessage['you'] = { userId: '', role: 'player', owner: false };
  map: RoomMap = { version: 0, width: 0, height: 0, objects: [] };
  readonly members = new Map<string, Member>();
  /** Spectators when we entered (they come and go without events). */
  spectators = 0;
  /** The latest notices seen in this room, oldest first (they change nothing else). */
  readonly notices: NoticeEvent[] = [];
  /** The room's chat as seen here, oldest first: the welcome's history, then each line said since. */
  readonly chat: SaidEvent[] = [];
  private ready = false;

  get isReady(): boolean {
    return this.ready;
  }

  get role(): Role {
    return this.you.role;
  }

  /** My avatar, when I am a player in the room. */
  get me(): Member | undefined {
    return this.members.get(this.you.userId);
  }

  /** Members by name, for lists. */
  memberList(): Member[] {
    return [...this.members.values()].sort(
      (a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }) || a.userId.localeCompare(b.userId),
    );
  }

  /** The full room as of `welcome.seq`; events up to that seq (e.g. a resume's replay) are stale. */
  reset(welcome: WelcomeMessage): void {
    this.roomId = welcome.roomId;
    this.seq = welcome.seq;
    this.epoch = welcome.epoch;
    this.you = welcome.you;
    this.map = welcome.map;
    this.spectators = welcome.spectators ?? 0;
    this.members.clear();
    for (const m of welcome.members) this.members.set(m.userId, m);
    this.chat.length = 0;
    this.chat.push(...(welcome.chat ?? []));
    this.ready = true;
  }

  /** Forgets the room (after leaving it), so nothing stale is drawn or resumed. */
  clear(): void {
    this.ready = false;
    this.members.clear();
    this.notices.length = 0;
    this.chat.length = 0;
    this.seq = 0;
    this.roomId = '';
  }

  /** Applies the next event; an old one is 'stale', and one past a gap is left for a resync to repair. */
  apply(event: RoomEvent): ApplyResult {
    if (!this.ready || event.roomId !== this.roomId || event.seq <= this.seq) return 'stale';
    if (event.seq > this.seq + 1) return 'gap';
    this.change(event);
    return 'applied';
  }

  /**
   * Like `apply`, but an event past a gap is applied too (and still reported as 'gap'), for a client
   * that goes on with what it has instead of resyncing: what the missed events changed stays
   * stale until a `built`, which carries every position.
   */
  applyAcrossGap(event: RoomEvent): ApplyResult {
    const result = this.apply(event);
    if (result === 'gap') this.change(event);
    return result;
  }

  private change(event: RoomEvent): void {
    applyRoomEvent(this, event);
    if (event.type === 'notice') {
      this.notices.push(event);
      if (this.notices.length > KEPT_NOTICES) this.notices.shift();
    } else if (event.type === 'said') {
      // Our own line arrives carrying its request id; the model keeps every line alike.
      const { id: _id, ...line } = event;
      this.chat.push(line);
      if (this.chat.length > KEPT_CHAT_LINES) this.chat.shift();
    }
    this.seq = event.seq;
  }
}
