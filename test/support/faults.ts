import type { Direction } from '../../src/protocol/messages';
import { canStep } from '../../src/domain/step';
import { type Frame, SocketClosed, type TestClient } from './client';
import { viewOf } from './invariants';
import { sleep } from './room';

/** Helpers of the fault tests: timed requests, readiness, and a walker that keeps a room busy. */

/** A request's reply and how long it took; a reply that never comes fails after `timeoutMs`. */
export async function timed(
  client: TestClient,
  msg: Record<string, unknown>,
  timeoutMs = 30_000,
): Promise<{ reply: Frame; ms: number }> {
  const started = performance.now();
  const reply = await client.request(msg, timeoutMs);
  return { reply, ms: Math.round(performance.now() - started) };
}

export async function readiness(url: string): Promise<{ status: number; checks: Record<string, unknown> }> {
  const res = await fetch(`${url}/health/ready`);
  return { status: res.status, checks: ((await res.json()) as { checks: Record<string, unknown> }).checks };
}

/** Polls readiness until it answers `status`; resolves with the ms it took. */
export async function untilReadiness(url: string, status: number, timeoutMs = 30_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    if ((await readiness(url)).status === status) return Math.round(performance.now() - started);
    if (performance.now() - started > timeoutMs)
      throw new Error(`readiness did not turn ${status} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

export interface Walker {
  /** Replies by type (`moved`, `error:UNAVAILABLE`, …). */
  counts: Record<string, number>;
  /** The slowest reply seen. */
  maxMs: number;
  stop(): Promise<void>;
}

/**
 * Steps `client` back and forth, one request at a time, until stopped: traffic during a fault.
 * It steps only where its own view of the room says it can, so every refusal is the fault's.
 */
export function walk(client: TestClient, roomId: string, userId: string): Walker {
  const counts: Record<string, number> = {};
  let stopped = false;
  let maxMs = 0;
  const loop = (async () => {
    const dirs: Direction[] = ['right', 'down', 'left', 'up'];
    for (let i = 0; !stopped; i++) {
      const me = viewOf(client, roomId).model.members.get(userId);
      const view = viewOf(client, roomId).model;
      const dir =
        dirs.find((d, k) => k >= i % 4 && me && canStep(view.map, me, d).ok) ??
        dirs.find((d) => me && canStep(view.map, me, d).ok);
      if (!dir) throw new Error(`${userId} has nowhere to step`);
      try {
        const { reply, ms } = await timed(client, { type: 'move', dir });
        maxMs = Math.max(maxMs, ms);
        const key = reply.type === 'error' ? `error:${String(reply.code)}` : reply.type;
        counts[key] = (counts[key] ?? 0) + 1;
      } catch (err) {
        if (err instanceof SocketClosed) return;
        throw err;
      }
      // About 15 steps a second: busy, and well under the rate limit.
      await sleep(60);
    }
  })();
  return {
    counts,
    get maxMs() {
      return maxMs;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
