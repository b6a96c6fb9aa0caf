import { type Frame, shareable, type WireCodec } from './wire-codec';
import { wsFrame } from './ws-frame';

/**
 * The opt-in batched frame (PROTOCOL.md, subprotocols `myroom.v1.batch` and
 * `myroom.v1.msgpack.batch`): the room events a socket gets in one turn of the event loop go out
 * as one frame `{"type":"batch","events":[…]}`, in the socket's codec.
 *
 * Why per turn: one `ws.send()` costs far more than the bytes it carries, and a busy room releases
 * many events per turn. Why shared: in a room, most sockets get exactly the same events in a turn,
 * so the room builds that frame once per codec (and encodes it once) and hands the same bytes to all
of them.
 * A socket whose list differs (its own move's reply carries an `id`, or it joined mid-turn) gets a
 * frame of its own, built from its own list, so the wire order is always the order of `seq`.
 */

/** One room's events of one turn, in release order, and the frame made of them (built on first use). */
export class RoomTurn {
  readonly texts: string[] = [];
  /** By codec slot. */
  private frames: (Buffer | undefined)[] = [];
  /** The same as whole WebSocket frames (ws-frame.ts), by codec slot. */
  private wires: (Buffer | undefined)[] = [];

  constructor(readonly tick: number) {}

  add(text: string): void {
    this.texts.push(text);
    if (this.frames.length > 0) this.frames = [];
    if (this.wires.length > 0) this.wires = [];
  }

  sharedFrame(codec: WireCodec): Buffer {
    return (this.frames[codec.slot] ??= shareable(frameOf(this.texts, codec)));
  }

  sharedWire(codec: WireCodec): Buffer {
    return (this.wires[codec.slot] ??= wsFrame(this.sharedFrame(codec), codec.binary));
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
  take(codec: WireCodec): Frame | undefined {
    const texts = this.texts;
    if (texts.length === 0) return undefined;
    const turn = this.sharedTurn();
    this.clear();
    return turn ? turn.sharedFrame(codec) : frameOf(texts, codec);
  }

  /**
   * When what is waiting is the room's whole turn: the room's one WebSocket frame of it, for a
   * socket that writes to TCP itself, and empties it. Otherwise nothing, and `take` builds this
   * socket's own frame.
   */
  takeSharedWire(codec: WireCodec): Buffer | undefined {
    const turn = this.sharedTurn();
    if (!turn) return undefined;
    this.clear();
    return turn.sharedWire(codec);
  }

  /** Same turn object and the same count: this socket got every event of the room's turn, as is. */
  private sharedTurn(): RoomTurn | undefined {
    const turn = this.turn;
    return turn && this.texts.length > 0 && turn.texts.length === this.texts.length ? turn : undefined;
  }

  private clear(): void {
    this.texts = [];
    this.turn = undefined;
  }
}

/** A lone event is its own frame: the batch wrapper only pays off for two or more. */
function frameOf(texts: readonly string[], codec: WireCodec): Frame {
  return texts.length === 1 ? codec.fromJson(texts[0]) : codec.batch(texts);
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
