/** Reconnect delays: exponential, capped, jittered so a restarted server is not hit by a herd. */

export interface BackoffOptions {
  /** Upper bound of the first delay. */
  baseMs: number;
  /** No delay is longer than this. */
  maxMs: number;
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 10_000, factor: 2 };

/**
 * The delay before retry number `attempt` (0 = first retry): "equal jitter", a random value
 * between half and all of min(maxMs, baseMs · factor^attempt). Never zero, never above maxMs.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * opts.factor ** Math.max(0, attempt));
  return Math.max(1, Math.round(ceiling / 2 + random() * (ceiling / 2)));
}

/**
 * A draining server closes with 1012 and a reason like `{"retryAfterMs":700}` (PROTOCOL.md §4):
 * the hinted delay, or undefined when the reason carries none.
 */
export function retryHintMs(reason: string): number | undefined {
  try {
    const hint = (JSON.parse(reason) as { retryAfterMs?: unknown }).retryAfterMs;
    return typeof hint === 'number' && Number.isFinite(hint) && hint >= 0 ? hint : undefined;
  } catch {
    return undefined;
  }
}
