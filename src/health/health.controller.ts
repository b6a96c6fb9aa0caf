import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { EVENT_FANOUT, type EventFanout } from '../fanout/fanout.port';
import { MapStore } from '../maps/map-store';
import { ROOM_STATE, type RoomStateStore } from '../state/room-state.port';
import { SessionRegistry } from '../rooms/session-registry';
import { withDeadline } from '../common/deadline';
import { backendUp, metricsRegistry } from '../common/metrics';

const CHECK_TIMEOUT_MS = 1000;

/** This instance's lease: `none` in embedded mode, which has no lease to lose. */
export type LeaseStatus = () => 'held' | 'lost' | 'none';
export const LEASE_STATUS = Symbol('LEASE_STATUS');

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return withDeadline(p, ms, () => {
    throw new Error(`timed out after ${ms} ms`);
  });
}

/**
 * Liveness says only that the process answers. Readiness tells the truth: 503 while draining or
 * while any backing service fails its check, so the gateway stops sending new players here.
 */
@Controller()
export class HealthController {
  constructor(
    @Inject(ROOM_STATE) private readonly state: RoomStateStore,
    @Inject(EVENT_FANOUT) private readonly fanout: EventFanout,
    private readonly maps: MapStore,
    private readonly sessions: SessionRegistry,
    @Inject(LEASE_STATUS) private readonly leaseStatus: LeaseStatus,
  ) {}

  @Get('health/live')
  @HttpCode(200)
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready(@Res() res: Response) {
    const { state, database, broker } = await this.backends();
    const checks = {
      state,
      database,
      broker,
      // Without a held lease our room writes are refused: we are not serving.
      lease: this.leaseStatus(),
      draining: this.sessions.isDraining,
    };
    const ok =
      state === 'up' &&
      database === 'up' &&
      checks.broker === 'up' &&
      checks.lease !== 'lost' &&
      !this.sessions.isDraining;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'unready', checks });
  }

  @Get('metrics')
  async metrics(@Res() res: Response) {
    // Checked at each scrape, as readiness checks them, so a dashboard shows which one is down.
    for (const [service, status] of Object.entries(await this.backends()))
      backendUp.set({ service }, status === 'up' ? 1 : 0);
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  }

  private async backends(): Promise<{ state: string; database: string; broker: string }> {
    const check = async (fn: () => Promise<void>) => {
      try {
        await withTimeout(fn(), CHECK_TIMEOUT_MS);
        return 'up';
      } catch (err) {
        return `down: ${(err as Error).message}`;
      }
    };
    const [state, database] = await Promise.all([check(() => this.state.ping()), check(() => this.maps.ping())]);
    return { state, database, broker: this.fanout.isHealthy() ? 'up' : 'down' };
  }
}
