import { backoffDelay as delayOf, type BackoffOptions } from '../common/backoff';

export type { BackoffOptions };

/** Reconnect delays: first retry within half a second, none longer than ten. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 10_000, factor: 2 };

/** The delay before reconnect number `attempt` (0 = first retry); see common/backoff.ts. */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  return delayOf(attempt, opts, random);
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
