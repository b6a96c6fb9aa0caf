import { type CanActivate, type ExecutionContext, HttpException, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Identity } from '../auth/identity';

/** Requests per second one user may make to the authenticated API (on each instance). */
export const API_RATE_LIMIT_PER_SEC = 50;

/**
 * Rate limit per token holder, after BearerAuthGuard: an operator script in a loop, or a game
 * backend gone wrong, gets 429 with `Retry-After` instead of loading Redis and MySQL. Keyed by
 * the token's user, not the token itself, so minting more tokens buys nothing.
 */
@Injectable()
export class ApiRateLimitGuard implements CanActivate {
  private readonly limiter = new RateLimiterMemory({ points: API_RATE_LIMIT_PER_SEC, duration: 1 });

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const identity = ctx.switchToHttp().getRequest<Request & { identity?: Identity }>().identity;
    if (!identity) return true;
    try {
      await this.limiter.consume(identity.userId);
      return true;
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      throw new HttpException(
        { message: 'too many requests', code: 'RATE_LIMITED', retryAfterMs: res.msBeforeNext },
        429,
      );
    }
  }
}
