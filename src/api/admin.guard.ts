import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { isAdmin } from '../auth/admin';
import type { Identity } from '../auth/identity';

/** After BearerAuthGuard: only tokens whose claims carry `"role": "admin"` pass. */
@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    const identity = ctx.switchToHttp().getRequest<Request & { identity?: Identity }>().identity;
    if (!identity || !isAdmin(identity)) throw new ForbiddenException('admins only (a token with "role": "admin")');
    return true;
  }
}
