import { withDeadline } from './deadline';

describe(withDeadline.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('settles as `p` does when it beats the deadline, and never calls `late` then', async () => {
    const late = jest.fn(() => 'late');
    await expect(withDeadline(Promise.resolve('on time'), 100, late)).resolves.toBe('on time');
    await expect(withDeadline(Promise.reject(new Error('own')), 100, late)).rejects.toThrow('own');
    jest.advanceTimersByTime(1000);
    expect(late).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('answers what `late` returns once the deadline passes, or fails with what it throws', async () => {
    const never = new Promise<string>(() => undefined);
    const fallback = withDeadline(never, 100, () => 'fallback');
    const failed = withDeadline(never, 100, () => {
      throw new Error('too slow');
    });
    jest.advanceTimersByTime(99);
    expect(jest.getTimerCount()).toBe(2);
    jest.advanceTimersByTime(1);
    await expect(fallback).resolves.toBe('fallback');
    await expect(failed).rejects.toThrow('too slow');
    expect(jest.getTimerCount()).toBe(0);
  });
});
