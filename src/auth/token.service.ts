import { Inject, Injectable } from '@nestjs/common';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  importSPKI,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyOptions,
  type KeyLike,
} from 'jose';
import { z } from 'zod';
import type { AuthConfig } from '../config/auth-config';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { idString } from '../protocol/messages';
import type { Identity } from './identity';
import { mintToken, signingSecret } from './mint';

const displayName = z.string().trim().min(1).max(64);

/**
 * Our claims (`sub`, `name`), or those of the server this one replaces (`idx`, the user id, often a
 * number; `nickname`), so its clients' tokens keep working. Ours win when a token carries both.
 */
const claimsSchema = z
  .object({
    sub: idString.optional(),
    idx: z.union([idString, z.number().int().nonnegative().transform(String).pipe(idString)]).optional(),
    name: displayName.optional(),
    nickname: displayName.optional(),
    exp: z.number(),
    role: z.unknown().optional(),
  })
  .refine((c) => c.sub !== undefined || c.idx !== undefined, { message: 'required', path: ['sub'] });

/** The token is not one this server accepts: answer 401. */
export class InvalidTokenError extends Error {}

/** The identity provider's key set could not be fetched: the token may be fine, try later (503). */
export class IdentityProviderUnavailableError extends Error {}

type KeyLookup = Parameters<typeof jwtVerify>[1];

/**
 * Verifies handshake and API tokens: HS256 with JWT_SECRET (and JWT_SECRET_PREVIOUS during a
 * rotation), RS256/ES256 with JWT_PUBLIC_KEY or the key set at JWT_JWKS_URL. The algorithm a
 * token names must be one the configuration accepts; `alg: none` never is.
 */
@Injectable()
export class TokenService {
  private readonly secrets: Uint8Array[];
  private readonly algorithms: string[];
  private readonly options: JWTVerifyOptions;
  private readonly publicKey?: Promise<KeyLike>;
  private readonly jwks?: KeyLookup;
  private readonly auth: AuthConfig;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.auth = config.auth;
    const { jwtSecret, previousSecret, publicKey, jwks, issuer, audience } = config.auth;
    const enc = new TextEncoder();
    this.secrets = [jwtSecret, previousSecret].filter((s): s is string => !!s).map((s) => enc.encode(s));
    this.algorithms = [
      ...(this.secrets.length ? ['HS256'] : []),
      ...(publicKey ? [publicKey.alg] : []),
      ...(jwks ? ['RS256', 'ES256'] : []),
    ];
    if (publicKey) this.publicKey = importSPKI(publicKey.pem, publicKey.alg);
    // jose caches the set, and fetches it again for an unknown `kid` (at most once per cooldown).
    if (jwks) this.jwks = createRemoteJWKSet(new URL(jwks.url), { cooldownDuration: jwks.cooldownMs });
    this.options = { issuer, audience, requiredClaims: ['exp'] };
  }

  async verify(token: string): Promise<Identity> {
    const payload = await this.verifySignature(token);
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) {
      throw new InvalidTokenError(`bad claims: ${claims.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    }
    const { role, exp } = claims.data;
    const userId = (claims.data.sub ?? claims.data.idx)!;
    const name = claims.data.name ?? claims.data.nickname;
    return { userId, name: name ?? `user${userId}`, ...(role === 'admin' ? { role } : {}), expiresAt: exp * 1000 };
  }

  mint(identity: Identity, ttlSeconds = 24 * 3600): string {
    return mintToken(signingSecret(this.auth), identity, ttlSeconds);
  }

  private async verifySignature(token: string): Promise<JWTPayload> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new InvalidTokenError('not a JWT');
    }
    if (!alg || !this.algorithms.includes(alg))
      throw new InvalidTokenError(`algorithm ${alg ?? '(none)'} is not accepted`);
    try {
      if (alg === 'HS256') return await this.verifyHs256(token);
      const key = this.jwks ?? (await this.publicKey!);
      return (await jwtVerify(token, key as KeyLike, { ...this.options, algorithms: [alg] })).payload;
    } catch (err) {
      throw asTokenError(err);
    }
  }

  /** The current secret first; the previous one only when the signature does not match it. */
  private async verifyHs256(token: string): Promise<JWTPayload> {
    for (const [i, secret] of this.secrets.entries()) {
      try {
        return (await jwtVerify(token, secret, { ...this.options, algorithms: ['HS256'] })).payload;
      } catch (err) {
        if (!(err instanceof errors.JWSSignatureVerificationFailed) || i === this.secrets.length - 1) throw err;
      }
    }
    throw new InvalidTokenError('no secret');
  }
}

function asTokenError(err: unknown): Error {
  if (err instanceof InvalidTokenError) return err;
  // A key set that cannot be fetched or read says nothing about the token itself.
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || !(err instanceof errors.JOSEError)) {
    return new IdentityProviderUnavailableError(`identity provider keys unavailable: ${(err as Error).message}`);
  }
  return new InvalidTokenError(err.message);
}
