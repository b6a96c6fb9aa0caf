import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  const opts = { baseMs: 500, maxMs: 10_000, factor: 2 };

  it('doubles the ceiling per attempt and draws between half of it and all of it', () => {
    expect(backoffDelay(0, opts, () => 0)).toBe(250);
    expect(backoffDelay(0, opts, () => 1)).toBe(500);
    expect(backoffDelay(1, opts, () => 0)).toBe(500);
    expect(backoffDelay(1, opts, () => 1)).toBe(1000);
    expect(backoffDelay(3, opts, () => 0.5)).toBe(3000);
  });

  it('never exceeds maxMs, however many attempts', () => {
    expect(backoffDelay(10, opts, () => 1)).toBe(10_000);
    expect(backoffDelay(1000, opts, () => 1)).toBe(10_000);
    expect(backoffDelay(1000, opts, () => 0)).toBe(5_000);
  });

  it('treats a negative attempt as the first and is never zero', () => {
    expect(backoffDelay(-3, opts, () => 1)).toBe(500);
    expect(backoffDelay(0, { baseMs: 0, maxMs: 0, factor: 2 }, () => 0)).toBe(1);
  });
});
