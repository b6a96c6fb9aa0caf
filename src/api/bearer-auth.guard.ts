import { type CanActivate, createParamDecorator, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { type ApiIdentity, roleClaim } from '../auth/admin';
import { bearerToken } from '../auth/bearer';
import type { Identity } from '../auth/identity';
import { InvalidTokenError, TokenService } from '../auth/token.service';

type AuthedRequest = Request & { identity?: ApiIdentity };

/** HTTP routes take the same token as the WebSocket handshake, as `Authorization: Bearer <jwt>`. */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(private readonly tokens: TokenService) {}

  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const token = bearerToken(req.headers.authorization);
    if (!token) throw new UnauthorizedException('send Authorization: Bearer <token>');
    try {
      const identity: ApiIdentity = this.tokens.verify(token);
      const role = identity.role ?? roleClaim(token);
      req.identity = role ? { ...identity, role } : identity;
    } catch (err) {
      if (err instanceof InvalidTokenError) throw new UnauthorizedException('the token is invalid or expired');
      throw err;
    }
    return true;
  }
}

/** The identity BearerAuthGuard verified. */
export const CurrentIdentity = createParamDecorator((_: unknown, ctx: ExecutionContext): Identity => {
  const identity = ctx.switchToHttp().getRequest<AuthedRequest>().identity;
  if (!identity) throw new UnauthorizedException();
  return identity;
});
