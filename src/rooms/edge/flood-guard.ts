import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { socketsCut } from '../../common/metrics';
import { CloseCode } from '../../protocol/close-codes';
import { RateLimitedError } from '../../protocol/errors';
import type { ClientSession } from '../client-session';
import { sendError } from '../protocol-error.filter';

/** Strikes count a flood, not a lifetime: a quiet spell this long forgives earlier bursts. */
const STRIKE_FORGIVE_MS = 10_000;

interface Strikes {
  count: number;
  lastAt: number;
}

/**
 * Per-socket flood control: at most `perSecond` frames are handled each second; each frame refused
 * (over the rate, or the socket's queue full) is a strike answered with RATE_LIMITED, and a client
 * that collects `maxStrikes` of them in one flood is disconnected (1008). The counts live in this
 * process only: a socket's frames all arrive at the instance holding it.
 */
export class FloodGuard {
  private readonly limiter: RateLimiterMemory;
  private readonly strikes = new WeakMap<ClientSession, Strikes>();

  constructor(
    perSecond: number,
    private readonly maxStrikes: number,
  ) {
    this.limiter = new RateLimiterMemory({ points: perSecond, duration: 1 });
  }

  /** Takes one frame from the session's budget: undefined when it may be handled, else the ms until one may. */
  async take(session: ClientSession): Promise<number | undefined> {
    try {
      await this.limiter.consume(session.id);
      return undefined;
    } catch (res) {
      if (res instanceof RateLimiterRes) return res.msBeforeNext;
      throw res;
    }
  }

  /** Answers RATE_LIMITED (echoing the refused request's id), or closes a client that keeps flooding. */
  strike(session: ClientSession, retryAfterMs: number, requestId: string | undefined): void {
    const now = Date.now();
    let s = this.strikes.get(session);
    if (!s || now - s.lastAt > STRIKE_FORGIVE_MS) this.strikes.set(session, (s = { count: 0, lastAt: now }));
    s.lastAt = now;
    s.count++;
    if (s.count >= this.maxStrikes) {
      session.log.warn({ strikes: s.count }, 'flooding: closing');
      socketsCut.inc({ reason: 'flooding' });
      session.close(CloseCode.POLICY_VIOLATION, 'flooding');
      return;
    }
    sendError(session, new RateLimitedError(Math.max(1, Math.ceil(retryAfterMs))), requestId);
  }
}
