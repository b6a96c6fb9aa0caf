/**
 * What a socket that cannot keep up gets, by how many bytes wait unsent for it (its backlog).
 * No I/O: the caller passes the backlog (and a clock), and does what the verdict says.
 *
 * - up to the soft mark: everything goes out (`live`);
 * - past the soft mark: room events are dropped for it (`lagging`): a backlog that only grows
 *   would cost the server memory and the client a room it sees ever later. Replies to its own
 *   requests still go out;
 * - once the backlog drains below the low mark: it is sent the room as of now (one `welcome`
 *   with reason `lagging`), and live events from there on; meanwhile (`recovering`) events are
 *   still dropped;
 * - cut (1008) if it does not drain below the low mark within `cutAfterMs` of passing the soft
 *   mark (a client that stopped reading for good), or at once past the hard mark: since room
 *   events stop at the soft mark, only its own replies can take it there, and memory must stay
 *   bounded.
 */
export interface BacklogMarks {
  lowBytes: number;
  softBytes: number;
  hardBytes: number;
  cutAfterMs: number;
}

export type GateState = 'live' | 'lagging' | 'recovering';

export class SlowConsumerGate {
  private current: GateState = 'live';
  /** When the backlog passed the soft mark (epoch ms), while not live. */
  private since = 0;
  /** Room events not sent since the backlog passed the soft mark. */
  dropped = 0;

  constructor(
    readonly marks: BacklogMarks,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): GateState {
    return this.current;
  }

  get isLive(): boolean {
    return this.current === 'live';
  }

  /** A room event is due: send it, drop it (the socket lags), or cut the socket. */
  onEvent(backlog: number): 'send' | 'drop' | 'cut' {
    if (backlog > this.marks.hardBytes) return 'cut';
    if (this.current === 'live') {
      if (backlog <= this.marks.softBytes) return 'send';
      this.current = 'lagging';
      this.since = this.now();
      this.dropped = 0;
    }
    this.dropped++;
    return 'drop';
  }

  /** Any other frame (a reply, an error): it goes out unless the backlog is past the hard mark. */
  onOwnFrame(backlog: number): 'send' | 'cut' {
    return backlog > this.marks.hardBytes ? 'cut' : 'send';
  }

  /**
   * The periodic look at a socket that is not live: `recover` (it drained below the low mark:
   * send it the room now, then call `recovered` or `recoveryFailed`), `cut`, or `wait`.
   */
  check(backlog: number): 'recover' | 'cut' | 'wait' {
    if (backlog > this.marks.hardBytes) return 'cut';
    if (this.current !== 'lagging') return 'wait';
    if (backlog < this.marks.lowBytes) {
      this.current = 'recovering';
      return 'recover';
    }
    return this.now() - this.since >= this.marks.cutAfterMs ? 'cut' : 'wait';
  }

  /** The fresh welcome went out: live events from its seq on. */
  recovered(): void {
    this.current = 'live';
  }

  /** The room could not be read (e.g. the state store is away): lag on, and try again later. */
  recoveryFailed(): void {
    if (this.current !== 'recovering') return;
    this.current = 'lagging';
    // Its backlog had drained: the client is not the slow one, so the cut clock starts afresh.
    this.since = this.now();
  }
}
