import type { Logger } from './logger';

/**
 * What an audit line records. `action` values are stable: log collectors filter on them.
 * kick, ban and notice are the operator's actions (src/api); access.* are the ways a user gets
 * or keeps access (tokens issued, refreshed, expired).
 */
export type AuditAction =
  | 'build'
  | 'kick'
  | 'ban'
  | 'notice'
  | 'drain'
  | 'access.dev-token'
  | 'access.refresh'
  | 'access.expired';

export interface AuditEntry {
  /** Who did it: a user id, `system` (signals, shutdown), or `anonymous` (an unauthenticated request). */
  actor: string;
  action: AuditAction;
  roomId?: string;
  /** `refused` carries the protocol error code (FORBIDDEN, CONFLICT…) in `code`. */
  result: 'ok' | 'refused';
  code?: string;
  /** Anything else worth keeping (a target user, a count); never a token or a secret. */
  [detail: string]: unknown;
}

/**
 * One structured audit line at `info`, marked `audit: true` so it can be routed apart from the
 * operational logs: who did what, in which room, and how it ended.
 */
export function audit(log: Logger, entry: AuditEntry): void {
  const { action, result } = entry;
  log.info({ audit: true, ...entry }, `audit: ${action} ${result}`);
}
