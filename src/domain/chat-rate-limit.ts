/**
 * The chat's own limit: at most `lines` lines per user in any `windowMs` (a sliding window, so a
 * burst at a window's edge cannot double it). Pure: the caller passes the clock.
 * The embedded mode's count (state/memory-room-state.ts): there one process is the whole server.
 * With Redis the same rule runs in a script, so that it counts across every instance
 * (state/redis/redis-scripts.ts, CHAT_RATE_LUA).
 */
export class ChatRateLimit {
  /** userId → times of the lines still inside the window, oldest first. */
  private readonly said = new Map<string, number[]>();

  constructor(
    private readonly lines: number,
    private readonly windowMs: number,
    /** Beyond this many users, expired entries are swept on the next take. */
    private readonly sweepAbove = 10_000,
  ) {}

  /** Counts a line of `userId` at `now`: undefined when it may be said, else the ms until one may. */
  take(userId: string, now: number): number | undefined {
    if (this.said.size > this.sweepAbove) this.sweep(now);
    const times = this.live(userId, now);
    if (times.length >= this.lines) return Math.max(1, times[0] + this.windowMs - now);
    times.push(now);
    this.said.set(userId, times);
    return undefined;
  }

  get users(): number {
    return this.said.size;
  }

  private live(userId: string, now: number): number[] {
    const times = this.said.get(userId) ?? [];
    let expired = 0;
    while (expired < times.length && times[expired] <= now - this.windowMs) expired++;
    if (expired) times.splice(0, expired);
    return times;
  }

  private sweep(now: number): void {
    for (const userId of [...this.said.keys()]) if (this.live(userId, now).length === 0) this.said.delete(userId);
  }
}
