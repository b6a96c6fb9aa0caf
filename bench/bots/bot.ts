/**
 * A bot and what the bots of one room share inside a worker process.
 *
 * Latency to the mover: each bot keeps the send times of its moves in flight, oldest first; a
 * server answers a socket's moves in order, so its own `moved` (or error) settles the oldest.
 * Latency to the others: when a mover sees its own `moved` it writes "seq → send time" into the
 * room's ring; a bot of the same process that got that seq compares its receive time with it, at
 * once or, if it was first, at the next sweep. Bots of a room spread over several processes only
 * time the deliveries from movers in their own process (a uniform sample).
 */
import type { Direction, Member, RoomMap } from '../../src/client/node';
import type { BotConn, RawMoved, Sink } from './adapters';
import type { Counters } from '../lib/messages';
import { type Histogram, recordMs } from '../lib/hist';

const RING = 1 << 14;
const FIFO = 64;
const DIRS: Direction[] = ['up', 'right', 'down', 'left'];
const DX = [0, 1, 0, -1];
const DY = [-1, 0, 1, 0];

/** The histograms and counters of the current window; swapped by the worker at each phase. */
export interface Stats {
  mover: Histogram;
  others: Histogram;
  sendLag: Histogram;
  enter: Histogram;
  build: Histogram;
  connect: Histogram;
  c: Counters;
  /** Moves sent before this time (performance.now) are not timed: they belong to the warm-up. */
  windowStart: number;
  windowEnd: number;
}

export class RoomView {
  width = 20;
  height = 20;
  version = -1;
  grid = new Uint8Array(400);
  walls: string[] = [];
  lastSeq = 0;
  readonly bots: Bot[] = [];
  readonly localIds = new Set<string>();
  /** True when this room's bots are spread over several worker processes. */
  split = false;
  private readonly ringTime = new Float64Array(RING);
  private readonly ringSeq = new Int32Array(RING).fill(-1);
  private waitSeq: number[] = [];
  private waitAt: number[] = [];

  constructor(readonly id: string) {}

  setMap(map: RoomMap): void {
    if (map.version <= this.version) return;
    this.version = map.version;
    this.width = map.width;
    this.height = map.height;
    this.grid = new Uint8Array(map.width * map.height);
    this.walls = [];
    for (const o of map.objects) {
      if (o.kind === 'wall') this.walls.push(o.id);
      for (let y = o.y; y < o.y + o.h; y++) for (let x = o.x; x < o.x + o.w; x++) this.grid[y * map.width + x] = 1;
    }
  }

  isFree(x: number, y: number): boolean {
    return x >= 0 && y >= 0 && x < this.width && y < this.height && this.grid[y * this.width + x] === 0;
  }

  sent(seq: number, at: number): void {
    const i = seq & (RING - 1);
    this.ringSeq[i] = seq;
    this.ringTime[i] = at;
  }

  delivered(seq: number, now: number, s: Stats): void {
    const i = seq & (RING - 1);
    if (this.ringSeq[i] === seq) {
      const at = this.ringTime[i];
      if (at >= s.windowStart) recordMs(s.others, now - at);
    } else {
      this.waitSeq.push(seq);
      this.waitAt.push(now);
    }
  }

  /** Times the deliveries that arrived before their mover's own confirmation. */
  sweep(now: number, s: Stats, final: boolean): void {
    const keepSeq: number[] = [];
    const keepAt: number[] = [];
    for (let k = 0; k < this.waitSeq.length; k++) {
      const seq = this.waitSeq[k];
      const i = seq & (RING - 1);
      if (this.ringSeq[i] === seq) {
        const at = this.ringTime[i];
        if (at >= s.windowStart) recordMs(s.others, this.waitAt[k] - at);
      } else if (final || now - this.waitAt[k] > 10_000) {
        if (this.waitAt[k] >= s.windowStart) s.c.unmatched++;
      } else {
        keepSeq.push(seq);
        keepAt.push(this.waitAt[k]);
      }
    }
    this.waitSeq = keepSeq;
    this.waitAt = keepAt;
  }
}

export class Bot implements Sink {
  conn?: BotConn;
  /** Walking: entered, and not in the middle of a leave/enter cycle. */
  active = false;
  x = 0;
  y = 0;
  lastSeq = 0;
  private dir = 0;
  private readonly fifo = new Float64Array(FIFO);
  private readonly fifoDir = new Uint8Array(FIFO);
  private head = 0;
  private tail = 0;

  constructor(
    readonly userId: string,
    readonly room: RoomView,
    readonly owner: boolean,
    private readonly stats: () => Stats,
    private readonly moverOf: (raw: RawMoved) => string,
  ) {}

  get inFlight(): number {
    return this.tail - this.head;
  }

  welcome(w: { seq: number; map: RoomMap; members: Member[] }): void {
    this.room.setMap(w.map);
    this.lastSeq = w.seq;
    this.head = this.tail = 0;
    const me = w.members.find((m) => m.userId === this.userId);
    if (me) {
      this.x = me.x;
      this.y = me.y;
    }
  }

  /** One step of the walk: keeps its direction mostly, never steps off the map or into an object. */
  step(now: number, scheduled: number): void {
    const s = this.stats();
    if (this.inFlight >= FIFO) {
      s.c.skippedSends++;
      return;
    }
    const room = this.room;
    let d = Math.random() < 0.8 ? this.dir : (Math.random() * 4) | 0;
    for (let k = 0; k < 4 && !room.isFree(this.x + DX[d], this.y + DY[d]); k++)
      d = (d + 1 + ((Math.random() * 3) | 0)) % 4;
    if (!room.isFree(this.x + DX[d], this.y + DY[d])) return;
    this.dir = d;
    this.x += DX[d];
    this.y += DY[d];
    this.fifoDir[this.tail % FIFO] = d;
    this.fifo[this.tail++ % FIFO] = now;
    if (now >= s.windowStart && now < s.windowEnd) {
      s.c.sent++;
      recordMs(s.sendLag, now - scheduled);
    }
    this.conn!.sendMove(DIRS[d]);
  }

  /** Forgets moves still in flight (before a leave); returns how many were in the window. */
  dropInFlight(): number {
    const s = this.stats();
    let n = 0;
    for (; this.head < this.tail; this.head++) if (this.fifo[this.head % FIFO] >= s.windowStart) n++;
    return n;
  }

  private checkSeq(seq: number, s: Stats): void {
    if (seq === this.lastSeq + 1) this.lastSeq = seq;
    else if (seq > this.lastSeq) {
      s.c.gaps += seq - this.lastSeq - 1;
      this.lastSeq = seq;
    } else s.c.outOfOrder++;
  }

  // ---- Sink ----

  received(bytes: number): void {
    const s = this.stats();
    const now = performance.now();
    if (now >= s.windowStart && now < s.windowEnd) s.c.bytesReceived += bytes;
  }

  moved(seq: number, own: boolean, raw: RawMoved): void {
    const now = performance.now();
    const s = this.stats();
    if (now >= s.windowStart && now < s.windowEnd) s.c.deliveries++;
    this.checkSeq(seq, s);
    if (own) {
      if (this.head === this.tail) return;
      const at = this.fifo[this.head++ % FIFO];
      this.room.sent(seq, at);
      if (at >= s.windowStart) {
        recordMs(s.mover, now - at);
        s.c.accepted++;
      }
    } else if (!this.room.split || this.room.localIds.has(this.moverOf(raw))) {
      this.room.delivered(seq, now, s);
    }
  }

  event(seq: number): void {
    const s = this.stats();
    const now = performance.now();
    if (now >= s.windowStart && now < s.windowEnd) s.c.deliveries++;
    this.checkSeq(seq, s);
  }

  built(seq: number, map: RoomMap, members: Member[]): void {
    this.event(seq);
    this.room.setMap(map);
    if (this.inFlight === 0) {
      const me = members.find((m) => m.userId === this.userId);
      if (me) {
        this.x = me.x;
        this.y = me.y;
      }
    }
  }

  moveError(code: string, x?: number, y?: number): void {
    const s = this.stats();
    s.c.errors[code] = (s.c.errors[code] ?? 0) + 1;
    if (this.head < this.tail) {
      // The refused step did not happen: take it back from the predicted position.
      const d = this.fifoDir[this.head++ % FIFO];
      this.x -= DX[d];
      this.y -= DY[d];
    }
    if (x !== undefined && y !== undefined && this.inFlight === 0) {
      this.x = x;
      this.y = y;
    }
  }

  closed(code: number): void {
    const s = this.stats();
    s.c.closed++;
    s.c.errors[`close:${code}`] = (s.c.errors[`close:${code}`] ?? 0) + 1;
    this.active = false;
  }
}
