/**
 * The opt-in batched frame (PROTOCOL.md, subprotocol `myroom.v1.batch`): the room events a socket
 * gets in one turn of the event loop go out as one frame `{"type":"batch","events":[…]}`.
 *
 * Why per turn: one `ws.send()` costs far more than the bytes it carries, and a busy room releases
 * many events per turn. Why shared: in a room, most sockets get exactly the same events in a turn,
 * so the room builds that frame once (and encodes it once) and hands the same bytes to all of them.
 * A socket whose list differs (its own move's reply carries an `id`, or it joined mid-turn) gets a
 * frame of its own, built from its own list, so the wire order is always the order of `seq`.
 */

/** One room's events of one turn, in release order, and the frame made of them (built on first use). */
export class RoomTurn {
  readonly texts: string[] = [];
  private frame?: Buffer;

  constructor(readonly tick: number) {}

  add(text: string): void {
    this.texts.push(text);
    this.frame = undefined;
  }

  /** A lone event is its own frame: the batch wrapper only pays off for two or more. */
  sharedFrame(): Buffer {
    return (this.frame ??= Buffer.from(this.texts.length === 1 ? this.texts[0] : batchText(this.texts)));
  }
}

/** The events of one socket waiting for the end of the turn. */
export class PendingBatch {
  private texts: string[] = [];
  /** The room turn every text so far was taken from unchanged, or null once one was not. */
  private turn: RoomTurn | null | undefined;

  get size(): number {
    return this.texts.length;
  }

  /** `turn`: the room turn this event is shared with; absent for a text of this socket's own. */
  add(text: string, turn?: RoomTurn): void {
    if (this.texts.length === 0) this.turn = turn ?? null;
    else if (this.turn !== turn) this.turn = null;
    this.texts.push(text);
  }

  /** The frame for what is waiting (the room's shared bytes when they are the same), and empties it. */
  take(): string | Buffer | undefined {
    const texts = this.texts;
    if (texts.length === 0) return undefined;
    const turn = this.turn;
    this.texts = [];
    this.turn = undefined;
    // Same turn object and the same count: this socket got every event of the room's turn, as is.
    if (turn && turn.texts.length === texts.length) return turn.sharedFrame();
    return texts.length === 1 ? texts[0] : batchText(texts);
  }
}

function batchText(texts: readonly string[]): string {
  return `{"type":"batch","events":[${texts.join(',')}]}`;
}

let tick = 0;
let tickScheduled = false;

/** A number that changes from one turn of the event loop to the next (for RoomTurn). */
export function currentTick(): number {
  if (!tickScheduled) {
    tickScheduled = true;
    setImmediate(() => {
      tickScheduled = false;
      tick++;
    });
  }
  return tick;
}
