import type { Identity } from './identity';

/** An identity as the HTTP API sees it: the token's optional `role` claim rides along. */
export type ApiIdentity = Identity & { role?: string };

/** An admin is a token whose claims carry `"role": "admin"`. */
export function isAdmin(identity: Identity): boolean {
  return (identity as ApiIdentity).role === 'admin';
}

/**
 * The `role` claim of a token the caller has already verified (only its payload is read here,
 * nothing is checked). Kept apart from TokenService so the HTTP API can read it whatever the
 * verifier returns.
 */
export function roleClaim(verifiedToken: string): string | undefined {
  const payload = verifiedToken.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { role?: unknown };
    return typeof claims.role === 'string' ? claims.role : undefined;
  } catch {
    return undefined;
  }
}
