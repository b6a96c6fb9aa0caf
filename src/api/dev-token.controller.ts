import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  Inject,
  Ip,
  NotFoundException,
  Post,
} from '@nestjs/common';
import { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { audit } from '../logging/audit';
import { LOGGER, type Logger } from '../logging/logger';
import { idString } from '../protocol/messages';
import type { DevTokenResponse, DevUsersResponse } from './api-types';
import { DirectoryService } from './directory.service';
import { ZodValidationPipe } from './zod-validation.pipe';

const devTokenBody = z.object({
  userId: z.union([idString, z.number().int().nonnegative().transform(String)]),
  /** A `role: "admin"` token: only when DEV_ADMIN_TOKENS is on (which needs a loopback HOST). */
  admin: z.boolean().optional(),
});

/**
 * Development sign-in for the web client. Mounted only when DEV_TOKENS is on (by default: embedded
 * mode on loopback, outside production); otherwise these routes do not exist and answer 404.
 */
@Controller('api/dev')
export class DevTokenController {
  constructor(
    private readonly directory: DirectoryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  @Get('users')
  async users(): Promise<DevUsersResponse> {
    return { ...(await this.directory.demoUsers()), adminTokens: this.config.auth.devAdminTokens };
  }

  @Post('token')
  @HttpCode(200)
  async token(
    @Body(new ZodValidationPipe(devTokenBody)) body: z.infer<typeof devTokenBody>,
    @Ip() ip: string,
  ): Promise<DevTokenResponse> {
    // The sign-in asks for no credentials: the caller is known only by its address.
    const entry = {
      actor: 'anonymous',
      ip,
      action: 'access.dev-token' as const,
      user: body.userId,
      admin: body.admin === true,
    };
    if (body.admin && !this.config.auth.devAdminTokens) {
      audit(this.log, { ...entry, result: 'refused', code: 'FORBIDDEN' });
      throw new ForbiddenException('admin tokens from the dev sign-in are off (DEV_ADMIN_TOKENS)');
    }
    const issued = await this.directory.devToken(body.userId, body.admin === true).catch((err: unknown) => {
      audit(this.log, { ...entry, result: 'refused', code: err instanceof NotFoundException ? 'NOT_FOUND' : 'ERROR' });
      throw err;
    });
    audit(this.log, { ...entry, result: 'ok', expiresInSeconds: issued.expiresInSeconds });
    return issued;
  }
}
