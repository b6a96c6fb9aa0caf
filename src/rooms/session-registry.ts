import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { backoffDelay, type BackoffOptions } from '../common/backoff';
import { openSessions } from '../common/metrics';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { EVENT_FANOUT, type ControlMessage, type EventFanout } from '../fanout/fanout.port';
import { audit } from '../logging/audit';
import { LOGGER, type Logger } from '../logging/logger';
import { CloseCode } from '../protocol/close-codes';
import type { LeaveReason } from '../protocol/messages';
import type { ClientSession } from './client-session';
import { RoomChannels } from './room-channels';

/** How long a drain waits for clients to answer its close frames. */
const CLOSE_HANDSHAKE_WAIT_MS = 2000;
/**
 * A disconnected avatar's removal is tried this often, waiting 100-200 ms after the first failure,
 * doubling up to 1-2 s: about ten seconds in all, long enough for a Redis failover.
 */
const LEAVE_ATTEMPTS = 10;
const LEAVE_RETRY: BackoffOptions = { baseMs: 200, maxMs: 2000, factor: 2 };

/**
 * How an avatar leaves its room when its session ends. RoomsService provides it; it needs this
 * registry itself, so it registers here (`useExit`) instead of being injected.
 */
export interface AvatarExit {
  /** Takes the session's avatar out of its room; calls for one session at once share one removal. */
  leaveRoom(session: ClientSession, reason: LeaveReason): Promise<void>;
  /** Resolves once every removal started so far has finished. */
  leavesSettled(): Promise<void>;
}

/**
 * The live sessions of this instance and the ways they end: the socket closes, the instance
 * drains, the user enters the same room elsewhere (replace), or the instance lost its lease and
 * drops everything (abandonAll). Which room a session sits in is the session's `seat`; what
 * happens inside a room is RoomsService's.
 */
@Injectable()
export class SessionRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly sessions = new Map<string, ClientSession>();
  private exit?: AvatarExit;
  private draining = false;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_FANOUT) private readonly fanout: EventFanout,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly channels: RoomChannels,
  ) {}

  onModuleInit(): void {
    this.fanout.onControl((m) => this.onControl(m));
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  useExit(exit: AvatarExit): void {
    this.exit = exit;
  }

  connected(session: ClientSession): void {
    this.sessions.set(session.id, session);
    openSessions.set(this.sessions.size);
    session.log.info({ sessions: this.sessions.size }, 'connected');
  }

  /** The socket closed (or was found dead): its avatar leaves with `disconnect` or `timeout`. */
  async disconnected(session: ClientSession): Promise<void> {
    this.sessions.delete(session.id);
    openSessions.set(this.sessions.size);
    // A frame still being served when the socket closed (an `enter` already past its open-socket
    // check, writing to the room state) may seat the session after this point; without waiting
    // for it, that avatar would never leave.
    await session.settled();
    const reason = session.closeReason ?? 'disconnect';
    session.log.info({ room: session.seat?.roomId, reason }, 'disconnected');
    if (session.seat) await this.leaveWithRetry(session, reason);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** The local sessions that sit in a room. */
  seated(): ClientSession[] {
    return [...this.sessions.values()].filter((s) => s.seat !== undefined);
  }

  find(sessionId: string): ClientSession | undefined {
    return this.sessions.get(sessionId);
  }

  /** Takes the session out of its room's local channel; its avatar, if any, is the caller's business. */
  unseat(session: ClientSession): void {
    if (!session.seat) return;
    this.channels.leave(session, session.seat.roomId);
    session.seat = undefined;
  }

  /**
   * Graceful shutdown: refuse new enters, take every local avatar out, ask clients to come back.
   * Readiness turns 503 at once; when clients are connected we wait `graceMs` before closing them,
   * so the gateway has seen us unready and sends their reconnects elsewhere. `actor` is who asked
   * (`system` for a signal or shutdown), for the audit line.
   */
  async drain(retryHintMs: number, graceMs = 0, actor = 'system'): Promise<void> {
    this.draining = true;
    if (graceMs > 0 && this.sessions.size > 0) {
      this.log.info({ graceMs, sessions: this.sessions.size }, 'draining: unready; waiting for the gateway to notice');
      await new Promise((r) => setTimeout(r, graceMs));
    }
    const exit = this.requireExit();
    const all = [...this.sessions.values()];
    await Promise.allSettled(
      all.map(async (s) => {
        if (s.seat)
          await exit.leaveRoom(s, 'disconnect').catch((err) => s.log.warn({ err }, 'leave during drain failed'));
        askToReconnect(s, retryHintMs);
      }),
    );
    // Leaves of sockets that closed by themselves meanwhile are no longer in `sessions`.
    await exit.leavesSettled();
    // Let the close handshakes finish before the server shuts down and terminates what is left,
    // so clients get 1012 and its hint rather than an abnormal close.
    await Promise.all(all.map((s) => s.closed(CLOSE_HANDSHAKE_WAIT_MS)));
    this.log.info({ sessions: all.length }, 'drained');
    audit(this.log, { actor, action: 'drain', result: 'ok', sessions: all.length });
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * Our lease was lost: another instance may already have removed our avatars, and our writes are
   * refused. Every local session is dropped without writing, and its client is asked to reconnect.
   */
  abandonAll(retryHintMs = 1000): void {
    const all = [...this.sessions.values()];
    for (const s of all) {
      this.unseat(s);
      askToReconnect(s, retryHintMs);
    }
    this.log.warn({ sessions: all.length }, 'lease lost: dropped every local session');
  }

  /** A newer session of the user took over the avatar in `roomId`: the old one is told, here or on its instance. */
  async replace(roomId: string, old: { sessionId: string; instanceId: string }): Promise<void> {
    if (old.instanceId === this.config.instanceId) {
      this.replaceLocal(old.sessionId);
      return;
    }
    await this.fanout.sendControl({
      kind: 'replace',
      targetInstance: old.instanceId,
      roomId,
      sessionId: old.sessionId,
    });
  }

  /**
   * The avatar of `holder` was removed from `roomId` with reason `kicked` (by the caller, so the
   * leave and its seq are done wherever the request arrived): its socket is told and closed with
   * 4003, here or on the instance that holds it.
   */
  async kick(roomId: string, holder: { sessionId: string; instanceId: string }, message: string): Promise<void> {
    if (holder.instanceId === this.config.instanceId) {
      this.kickLocal(roomId, holder.sessionId, message);
      return;
    }
    await this.fanout.sendControl({
      kind: 'kick',
      targetInstance: holder.instanceId,
      roomId,
      sessionId: holder.sessionId,
      message,
    });
  }

  private onControl(m: ControlMessage): void {
    if (m.targetInstance !== this.config.instanceId) return;
    if (m.kind === 'replace') this.replaceLocal(m.sessionId);
    else if (m.kind === 'kick') this.kickLocal(m.roomId, m.sessionId, m.message);
  }

  private kickLocal(roomId: string, sessionId: string, message: string): void {
    const s = this.sessions.get(sessionId);
    // Gone, or already in another room on the same socket: that socket has nothing to do with the kick.
    if (!s || (s.seat && s.seat.roomId !== roomId)) return;
    s.log.info({ room: roomId }, 'kicked');
    this.unseat(s);
    s.closeReason = 'kicked';
    s.sendMessage({ type: 'kicked', roomId, message });
    s.close(CloseCode.KICKED, 'kicked');
  }

  /** The user entered the same room elsewhere: this socket hands over its avatar and closes. */
  private replaceLocal(sessionId: string): void {
    const old = this.sessions.get(sessionId);
    if (!old) return;
    old.log.info({ room: old.seat?.roomId }, 'replaced by a newer session');
    this.unseat(old);
    old.closeReason = 'replaced';
    old.sendMessage({ type: 'replaced', message: 'you entered this room from another connection' });
    old.close(CloseCode.REPLACED, 'replaced');
  }

  /** A closed socket cannot be told about a failure, so its leave is retried for a while. */
  private async leaveWithRetry(session: ClientSession, reason: LeaveReason): Promise<void> {
    const exit = this.requireExit();
    for (let attempt = 1; ; attempt++) {
      try {
        await exit.leaveRoom(session, reason);
        return;
      } catch (err) {
        if (attempt >= LEAVE_ATTEMPTS || this.stopped) {
          session.log.error({ err, room: session.seat?.roomId }, 'giving up removing a disconnected avatar');
          return;
        }
        session.log.warn({ err, attempt }, 'removing a disconnected avatar failed; retrying');
        await new Promise((r) => setTimeout(r, backoffDelay(attempt - 1, LEAVE_RETRY)));
      }
    }
  }

  private requireExit(): AvatarExit {
    if (!this.exit) throw new Error('no AvatarExit registered: RoomsService registers it when the module starts');
    return this.exit;
  }
}

/** Close 1012 with a retry hint jittered to 50-150 %, so the clients of one instance do not all come back at once. */
function askToReconnect(session: ClientSession, retryHintMs: number): void {
  const delay = Math.round(retryHintMs * (0.5 + Math.random()));
  session.close(CloseCode.RESTARTING, JSON.stringify({ retryAfterMs: delay }));
}
