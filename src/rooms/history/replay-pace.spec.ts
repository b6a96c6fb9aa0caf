import { MAX_REPLAY_GAP_MS, replayDelay } from './replay-pace';

describe('replayDelay', () => {
  it('keeps the original gap at speed 1 and divides it by the speed', () => {
    expect(replayDelay(500, 1)).toBe(500);
    expect(replayDelay(500, 4)).toBe(125);
    expect(replayDelay(0, 16)).toBe(0);
  });

  it('shortens gaps longer than 2 s to 2 s before the speed applies', () => {
    expect(replayDelay(60_000, 1)).toBe(MAX_REPLAY_GAP_MS);
    expect(replayDelay(60_000, 2)).toBe(MAX_REPLAY_GAP_MS / 2);
    expect(replayDelay(MAX_REPLAY_GAP_MS, 1)).toBe(MAX_REPLAY_GAP_MS);
  });

  it('never waits a negative time (clocks of two instances may disagree)', () => {
    expect(replayDelay(-30, 1)).toBe(0);
  });
});
