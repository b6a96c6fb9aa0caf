import type { Direction } from '../protocol/messages';

/** W/A/S/D by physical key (so they sit in the same place on any layout) and the arrow keys. */
const BY_CODE: Record<string, Direction> = {
  KeyW: 'up',
  KeyA: 'left',
  KeyS: 'down',
  KeyD: 'right',
  ArrowUp: 'up',
  ArrowLeft: 'left',
  ArrowDown: 'down',
  ArrowRight: 'right',
};

export function directionForKey(e: { code: string; key: string }): Direction | undefined {
  return BY_CODE[e.code] ?? BY_CODE[e.key];
}

export interface MoveControllerOptions {
  /** Sends one step and settles with the server's answer (confirmation or refusal). */
  send: (dir: Direction) => Promise<unknown>;
  /** Told about a refused step; holding the key then stops repeating it. */
  onRefused?: (err: unknown, dir: Direction) => void;
  /** Walking pace while a key is held; the server's rate limit is far above it. */
  stepIntervalMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const MAX_QUEUED_TAPS = 2;

/**
 * Turns key presses into steps, one request in flight at a time: the avatar is drawn where the
 * server says, so sending faster than the answers come would only pile up refusals. A tap is one
 * step (taps during a step wait their turn, up to two); a held key keeps walking at a steady pace.
 */
export class MoveController {
  private held: Direction[] = [];
  private taps: Direction[] = [];
  private busy = false;
  private readonly interval: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: MoveControllerOptions) {
    this.interval = opts.stepIntervalMs ?? 110;
    this.now = opts.now ?? (() => Date.now());
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** A key went down (not an auto-repeat). Returns the pump's promise, for tests. */
  press(dir: Direction): Promise<void> {
    this.held = [...this.held.filter((d) => d !== dir), dir];
    if (this.taps.length < MAX_QUEUED_TAPS) this.taps.push(dir);
    return this.pump();
  }

  release(dir: Direction): void {
    this.held = this.held.filter((d) => d !== dir);
  }

  /** The window lost focus: keyups will not come, so forget every held key. */
  releaseAll(): void {
    this.held = [];
    this.taps = [];
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (;;) {
        const dir = this.taps.shift() ?? this.held[this.held.length - 1];
        if (!dir) return;
        const started = this.now();
        try {
          await this.opts.send(dir);
        } catch (err) {
          this.releaseAll();
          this.opts.onRefused?.(err, dir);
          return;
        }
        const wait = this.interval - (this.now() - started);
        if (wait > 0 && (this.taps.length > 0 || this.held.length > 0)) await this.sleep(wait);
      }
    } finally {
      this.busy = false;
    }
  }
}
