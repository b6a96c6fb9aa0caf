import { ChatRateLimit } from './chat-rate-limit';

describe(ChatRateLimit.name, () => {
  it('lets `lines` lines through in a window, then says how long until the oldest leaves it', () => {
    const limit = new ChatRateLimit(5, 10_000);
    for (let i = 0; i < 5; i++) expect(limit.take('u', 1000 + i * 100)).toBeUndefined();
    expect(limit.take('u', 2000)).toBe(9000);
    expect(limit.take('u', 10_999)).toBe(1);
    expect(limit.take('u', 11_000)).toBeUndefined();
    expect(limit.take('u', 11_001)).toBe(99);
  });

  it('counts each user apart', () => {
    const limit = new ChatRateLimit(1, 1000);
    expect(limit.take('a', 0)).toBeUndefined();
    expect(limit.take('b', 0)).toBeUndefined();
    expect(limit.take('a', 1)).toBe(999);
  });

  it('is a sliding window: a burst at the edge of one window does not double the rate', () => {
    const limit = new ChatRateLimit(2, 1000);
    expect(limit.take('u', 999)).toBeUndefined();
    expect(limit.take('u', 999)).toBeUndefined();
    expect(limit.take('u', 1001)).toBe(998);
  });

  it('a refused line does not count', () => {
    const limit = new ChatRateLimit(1, 1000);
    expect(limit.take('u', 0)).toBeUndefined();
    expect(limit.take('u', 500)).toBe(500);
    expect(limit.take('u', 1000)).toBeUndefined();
  });

  it('forgets users who went quiet once there are many', () => {
    const limit = new ChatRateLimit(1, 1000, 2);
    limit.take('a', 0);
    limit.take('b', 0);
    limit.take('c', 0);
    expect(limit.users).toBe(3);
    limit.take('d', 5000);
    expect(limit.users).toBe(1);
  });
});
