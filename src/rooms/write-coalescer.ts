import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';

/** A socket whose writes are held (corked) until `flush`. */
export interface Corked {
  flush(): void;
}

/**
 * Write coalescing: one `ws.send()` is one `writev` system call, which costs far more than
 * building the frame, and a busy room sends many events to the same socket within one turn of the
 * event loop (a batch of Redis replies resolves many moves at once). So a socket written to is
 * corked, and everything it got goes out in one `writev` when it is flushed. Frames and their
 * order are unchanged.
 *
 * By default a socket is flushed at the end of the turn that wrote to it (setImmediate runs right
 * after the I/O callbacks of the poll phase). With a send window (`WS_SEND_WINDOW_MS`), room events
 * wait until the window that began with the first of them ends, so that a socket gets one write
 * per window however many events its room had: fewer system calls on both ends for up to that
 * much more latency. Replies to a socket's own requests (`flushAtTurnEnd`) never wait for the
 * window: they go out at the end of their turn, with whatever was waiting before them.
 */
export class WriteCoalescer {
  private readonly perTurn = new FlushQueue((flush) => setImmediate(flush));
  private readonly perWindow: FlushQueue;

  constructor(windowMs = 0) {
    // Unref'd: open sockets keep the process alive, a pending flush need not.
    this.perWindow = windowMs > 0 ? new FlushQueue((flush) => setTimeout(flush, windowMs).unref()) : this.perTurn;
  }

  /** Flushes `socket` when the current window ends (without a window: at the end of this turn). */
  flushLater(socket: Corked): void {
    this.perWindow.add(socket);
  }

  /** Whether a corked socket may wait past the end of its turn (there is a send window). */
  get holdsPastTurn(): boolean {
    return this.perWindow !== this.perTurn;
  }

  /** Flushes `socket`, already waiting (`flushLater`), at the end of this turn even within a window. */
  flushAtTurnEnd(socket: Corked): void {
    // Without a window it already waits for the end of this turn.
    if (this.holdsPastTurn) this.perTurn.add(socket);
  }
}

/** Sockets to flush together, at the moment `schedule` picks once the first of them is added. */
class FlushQueue {
  private readonly sockets: Corked[] = [];
  private scheduled = false;

  constructor(private readonly schedule: (flush: () => void) => void) {}

  add(socket: Corked): void {
    this.sockets.push(socket);
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      for (const s of this.sockets.splice(0)) s.flush();
    });
  }
}

/** Flushes at the end of each turn: sessions made without the app's coalescer (tests) use it. */
export const PER_TURN = new WriteCoalescer(0);

/** The app's coalescer, with the configured send window. */
@Injectable()
export class ConfiguredWriteCoalescer extends WriteCoalescer {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super(config.ws.sendWindowMs);
  }
}
