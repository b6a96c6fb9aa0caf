import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';
import { bearerToken } from '../auth/bearer';
import type { Identity } from '../auth/identity';
import { IdentityProviderUnavailableError, InvalidTokenError, TokenService } from '../auth/token.service';

type AuthedRequest = Request & { identity?: Identity };

/** HTTP routes take the same token as the WebSocket handshake, as `Authorization: Bearer <jwt>`. */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(private readonly tokens: TokenService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const token = bearerToken(req.headers.authorization);
    if (!token) throw new UnauthorizedException('send Authorization: Bearer <token>');
    try {
      req.identity = await this.tokens.verify(token);
    } catch (err) {
      if (err instanceof InvalidTokenError) throw new UnauthorizedException('the token is invalid or expired');
      if (err instanceof IdentityProviderUnavailableError)
        throw new ServiceUnavailableException('cannot check the token now');
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
