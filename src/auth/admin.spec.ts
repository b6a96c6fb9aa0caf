import { isAdmin } from './admin';

describe('admin role', () => {
  it('an admin is an identity whose role is exactly "admin"', () => {
    expect(isAdmin({ userId: '1', name: 'a', role: 'admin' })).toBe(true);
    expect(isAdmin({ userId: '1', name: 'a', role: 'Admin' as never })).toBe(false);
    expect(isAdmin({ userId: '1', name: 'a' })).toBe(false);
  });
});
