import { bearerToken } from './bearer';

describe('bearerToken', () => {
  it("reads the token of a Bearer header, whatever the scheme's case", () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer  abc')).toBe('abc');
  });

  it('refuses a missing header, other schemes and anything but one token', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('')).toBeUndefined();
    expect(bearerToken('Basic Zm9vOmJhcg==')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
  });
});
