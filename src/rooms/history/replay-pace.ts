/** A pause longer than this in the original is shortened to it (before the speed applies). */
export const MAX_REPLAY_GAP_MS = 2000;

/**
 * How long a replay waits before sending an event that happened `gapMs` after the previous one:
 * the original gap, shortened to MAX_REPLAY_GAP_MS, divided by the speed. Clocks of two instances
 * may disagree a little, so a negative gap is no wait at all.
 */
export function replayDelay(gapMs: number, speed: number): number {
  return Math.max(0, Math.min(gapMs, MAX_REPLAY_GAP_MS)) / speed;
}
