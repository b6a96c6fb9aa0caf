import { mintToken } from '../auth/mint';
import { refreshDelayMs, tokenExpiresAt } from './token-expiry';

describe('tokenExpiresAt', () => {
  it('reads exp (in ms) from a JWT without verifying it', () => {
    const token = mintToken('any-secret', { userId: '1', name: 'Ada' }, 60);
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { exp: number };
    expect(tokenExpiresAt(token)).toBe(exp * 1000);
  });

  it('is undefined for what is not a JWT with exp', () => {
    expect(tokenExpiresAt('not-a-jwt')).toBeUndefined();
    expect(tokenExpiresAt('a.%%%.c')).toBeUndefined();
    expect(tokenExpiresAt(`x.${Buffer.from('{"sub":"1"}').toString('base64url')}.y`)).toBeUndefined();
  });
});

describe('refreshDelayMs', () => {
  const now = 1_000_000;
  it('refreshes at 80 % of a long remaining lifetime', () => {
    expect(refreshDelayMs(now + 3600_000, now)).toBe(2880_000);
  });
  it('keeps at least 5 s of lead when the lifetime allows', () => {
    expect(refreshDelayMs(now + 10_000, now)).toBe(5000);
    expect(refreshDelayMs(now + 20_000, now)).toBe(15_000);
  });
  it('refreshes a very short token halfway, never in a busy loop', () => {
    expect(refreshDelayMs(now + 3000, now)).toBe(1500);
  });
  it('is 0 for a token already expired', () => {
    expect(refreshDelayMs(now - 1, now)).toBe(0);
  });
});
