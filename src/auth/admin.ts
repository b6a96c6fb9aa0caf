import type { Identity } from './identity';

/** An admin is a token whose claims carry `"role": "admin"` (TokenService reads the claim). */
export function isAdmin(identity: Identity): boolean {
  return identity.role === 'admin';
}
