import { Inject, Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { idString } from '../protocol/messages';
import type { Identity } from './identity';

const claimsSchema = z.object({
  sub: idString,
  name: z.string().trim().min(1).max(64).optional(),
  exp: z.number(),
});

export class InvalidTokenError extends Error {}

/** HS256 JWTs only: `alg: none` and every other algorithm are refused by the verifier itself. */
@Injectable()
export class TokenService {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  verify(token: string): Identity {
    let payload: unknown;
    try {
      payload = jwt.verify(token, this.config.jwtSecret, { algorithms: ['HS256'] });
    } catch (err) {
      throw new InvalidTokenError((err as Error).message);
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) {
      throw new InvalidTokenError(`bad claims: ${claims.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    }
    return { userId: claims.data.sub, name: claims.data.name ?? `user${claims.data.sub}` };
  }

  mint(identity: Identity, ttlSeconds = 24 * 3600): string {
    return mintToken(this.config.jwtSecret, identity, ttlSeconds);
  }
}

export function mintToken(secret: string, identity: Identity, ttlSeconds = 24 * 3600): string {
  return jwt.sign({ name: identity.name }, secret, {
    algorithm: 'HS256',
    subject: identity.userId,
    expiresIn: ttlSeconds,
  });
}
