import jwt from 'jsonwebtoken';
import { isAdmin, roleClaim } from './admin';

describe('admin role', () => {
  const token = (claims: object) => jwt.sign(claims, 'secret-secret-secret-secret-secret', { subject: '1' });

  it('reads the role claim of a token, and nothing from a token without one or from garbage', () => {
    expect(roleClaim(token({ role: 'admin' }))).toBe('admin');
    expect(roleClaim(token({ name: 'x' }))).toBeUndefined();
    expect(roleClaim(token({ role: 7 }))).toBeUndefined();
    expect(roleClaim('not-a-jwt')).toBeUndefined();
    expect(roleClaim('a.%%%.c')).toBeUndefined();
  });

  it('an admin is an identity whose role is exactly "admin"', () => {
    expect(isAdmin({ userId: '1', name: 'a', role: 'admin' } as never)).toBe(true);
    expect(isAdmin({ userId: '1', name: 'a', role: 'Admin' } as never)).toBe(false);
    expect(isAdmin({ userId: '1', name: 'a' })).toBe(false);
  });
});
