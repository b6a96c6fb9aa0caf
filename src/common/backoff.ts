/**
 * The one backoff rule of the project, for the client library (browser and Node) and the server
 * alike, so it imports nothing. Exponential, capped, and jittered so that many waiters who failed
 * together (clients of a restarted server, instances after a Redis blink) do not retry together.
 */

export interface BackoffOptions {
  /** Upper bound of the first delay. */
  baseMs: number;
  /** No delay is longer than this. */
  maxMs: number;
  factor: number;
}

/**
 * The delay before retry number `attempt` (0 = first retry): "equal jitter", a random value
 * between half and all of min(maxMs, baseMs · factor^attempt). Never zero, never above maxMs.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * opts.factor ** Math.max(0, attempt));
  return Math.max(1, Math.round(ceiling / 2 + random() * (ceiling / 2)));
}
