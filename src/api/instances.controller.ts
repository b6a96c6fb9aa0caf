import { Controller, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Identity } from '../auth/identity';
import { audited } from '../logging/audit';
import { LOGGER, type Logger } from '../logging/logger';
import type { InstancesResponse } from './api-types';
import { AdminGuard } from './admin.guard';
import { BearerAuthGuard, CurrentIdentity } from './bearer-auth.guard';
import { InstancesService } from './instances.service';
import { ApiProblems, drainAcceptedSchema, instancesSchema } from './openapi-schemas';
import { ApiRateLimitGuard } from './rate-limit.guard';
import { ZodValidationPipe } from './zod-validation.pipe';

/** The INSTANCE_ID format (config.ts). */
const instanceId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ . -');

/** Instances for operators (admin only). */
@ApiTags('instances')
@ApiBearerAuth()
@Controller('api/instances')
@UseGuards(BearerAuthGuard, ApiRateLimitGuard, AdminGuard)
export class InstancesController {
  constructor(
    private readonly instances: InstancesService,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every live instance and its figures (admin)' })
  @ApiOkResponse({ schema: instancesSchema })
  @ApiProblems(401, 403, 429, 503)
  async list(): Promise<InstancesResponse> {
    return { instances: await this.instances.list() };
  }

  @Post(':id/drain')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Drain an instance as SIGTERM would (admin)',
    description:
      'Wherever the request arrives, the instance `id` turns unready (503), takes its avatars out, asks its clients to reconnect (close 1012 with a retry hint) and then exits, exactly as on SIGTERM; the orchestrator starts it again.',
  })
  @ApiParam({ name: 'id', description: 'an instanceId from GET /api/instances' })
  @ApiAcceptedResponse({ schema: drainAcceptedSchema })
  @ApiProblems(400, 401, 403, 404, 429, 503)
  async drain(
    @Param('id', new ZodValidationPipe(instanceId, 'id')) id: string,
    @CurrentIdentity() by: Identity,
  ): Promise<{ instanceId: string; draining: true }> {
    // The drained instance writes its own `drain` line (actor `system`) when it is done.
    await audited(this.log, { actor: by.userId, action: 'drain', instance: id }, () => this.instances.drain(id));
    return { instanceId: id, draining: true };
  }
}
