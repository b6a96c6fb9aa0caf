import type { Frame, TestClient } from '../support/client';
import { sleep } from './cluster';
import { DIRS } from './room-events';

/** A player sending a move every `everyMs` and recording every reply, until stopped. */
export class Traffic {
  /** Loops still running: a test that fails before stopping its traffic must not keep Jest alive. */
  private static readonly live = new Set<Traffic>();

  /** Stops every loop a test left running (after each cluster test: test/support/jest-setup.ts). */
  static async stopAll(): Promise<void> {
    await Promise.all([...Traffic.live].map((t) => t.stop()));
  }

  /** Each reply with when its request was sent: an answer can arrive late (a room held back
   *  behind a gap repairs it from the log first), so windows are judged by sending time. */
  readonly replies: { sentAt: number; frame: Frame }[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    readonly client: TestClient,
    everyMs = 80,
  ) {
    Traffic.live.add(this);
    this.done = (async () => {
      for (let k = 0; this.running; k++) {
        const sentAt = Date.now();
        const frame = await client
          .request({ type: 'move', dir: DIRS[k % 4] }, 10_000)
          .catch((err: Error) => ({ type: 'no-reply', message: err.message }) as Frame);
        this.replies.push({ sentAt, frame });
        await sleep(everyMs);
      }
    })();
  }

  count(pred: (f: Frame) => boolean, since = 0): number {
    return this.replies.filter((r) => r.sentAt >= since && pred(r.frame)).length;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
    Traffic.live.delete(this);
  }
}

export const isMoved = (f: Frame) => f.type === 'moved';
export const isUnavailable = (f: Frame) => f.type === 'error' && f.code === 'UNAVAILABLE';
