import { backoffDelay, DEFAULT_BACKOFF, retryHintMs } from './backoff';

describe('backoffDelay', () => {
  it('has defaults a browser can live with: first retry within half a second', () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 1)).toBeLessThanOrEqual(500);
  });
});

describe('retryHintMs', () => {
  it('reads the hint of a draining server', () => {
    expect(retryHintMs('{"retryAfterMs":700}')).toBe(700);
    expect(retryHintMs('{"retryAfterMs":0}')).toBe(0);
  });

  it('ignores reasons without a usable hint', () => {
    expect(retryHintMs('')).toBeUndefined();
    expect(retryHintMs('replaced')).toBeUndefined();
    expect(retryHintMs('{"retryAfterMs":"soon"}')).toBeUndefined();
    expect(retryHintMs('{"retryAfterMs":-5}')).toBeUndefined();
    expect(retryHintMs('null')).toBeUndefined();
  });
});
