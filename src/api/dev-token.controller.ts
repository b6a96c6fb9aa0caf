import { Body, Controller, ForbiddenException, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../config/config';
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
  constructor(private readonly directory: DirectoryService, @Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get('users')
  users(): Promise<DevUsersResponse> {
    return this.directory.demoUsers();
  }

  @Post('token')
  @HttpCode(200)
  token(@Body(new ZodValidationPipe(devTokenBody)) body: z.infer<typeof devTokenBody>): Promise<DevTokenResponse> {
    if (body.admin && !this.config.auth.devAdminTokens) {
      throw new ForbiddenException('admin tokens from the dev sign-in are off (DEV_ADMIN_TOKENS)');
    }
    return this.directory.devToken(body.userId, body.admin === true);
  }
}
