import { createHmac } from 'node:crypto';
import type { AuthConfig } from '../config/auth-config';
import type { Identity } from './identity';

/** Minting needs JWT_SECRET; a server that only verifies an identity provider's tokens has none. */
export class MintingUnavailableError extends Error {
  constructor() {
    super(
      'tokens are signed with JWT_SECRET, which is not set: this server only verifies tokens of an identity provider (JWT_PUBLIC_KEY / JWT_JWKS_URL)',
    );
  }
}

/** The secret tokens are minted with, or a MintingUnavailableError saying why there is none. */
export function signingSecret(auth: AuthConfig): string {
  if (!auth.jwtSecret) throw new MintingUnavailableError();
  return auth.jwtSecret;
}

/**
 * An HS256 JWT for `identity`. Signed here rather than with jose so that minting stays
 * synchronous for its callers (the dev sign-in, the CLIs, bench bots, tests) and this file needs
 * nothing but node:crypto; verification is jose's (token.service.ts).
 */
export function mintToken(secret: string, identity: Identity, ttlSeconds = 24 * 3600): string {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = {
    sub: identity.userId,
    name: identity.name,
    ...(identity.role ? { role: identity.role } : {}),
    iat: now,
    exp: now + ttlSeconds,
  };
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
