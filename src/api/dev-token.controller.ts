import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { z } from 'zod';
import { idString } from '../protocol/messages';
import type { DevTokenResponse, DevUsersResponse } from './api-types';
import { DirectoryService } from './directory.service';
import { ZodValidationPipe } from './zod-validation.pipe';

const devTokenBody = z.object({
  userId: z.union([idString, z.number().int().nonnegative().transform(String)]),
});

/**
 * Development sign-in for the web client. Mounted only when DEV_TOKENS is on (the default outside
 * production); otherwise these routes do not exist and answer 404.
 */
@Controller('api/dev')
export class DevTokenController {
  constructor(private readonly directory: DirectoryService) {}

  @Get('users')
  users(): Promise<DevUsersResponse> {
    return this.directory.demoUsers();
  }

  @Post('token')
  @HttpCode(200)
  token(@Body(new ZodValidationPipe(devTokenBody)) body: z.infer<typeof devTokenBody>): Promise<DevTokenResponse> {
    return this.directory.devToken(body.userId);
  }
}
