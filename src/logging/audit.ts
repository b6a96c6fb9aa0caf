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
  | 'unban'
  | 'room.access'
  | 'notice'
  | 'drain'
  | 'access.dev-token'
  | 'access.refresh'
  | 'access.expired';

/** What is being done, by whom: everything an audit line says but its outcome. */
export interface AuditIntent {
  /** Who did it: a user id, `system` (signals, shutdown), or `anonymous` (an unauthenticated request). */
  actor: string;
  action: AuditAction;
  roomId?: string;
  /** Anything else worth keeping (a target user, a count); never a token or a secret. */
  [detail: string]: unknown;
}

export interface AuditEntry extends AuditIntent {
  /** `refused` carries the protocol error code (FORBIDDEN, CONFLICT…) in `code`. */
  result: 'ok' | 'refused';
  code?: string;
}

/**
 * One structured audit line at `info`, marked `audit: true` so it can be routed apart from the
 * operational logs: who did what, in which room, and how it ended.
 */
export function audit(log: Logger, entry: AuditEntry): void {
  const { action, result } = entry;
  log.info({ audit: true, ...entry }, `audit: ${action} ${result}`);
}

/**
 * Runs an audited action: one `ok` line when it succeeds, one `refused` line with the error's
 * code when it throws (the error is rethrown untouched).
 */
export async function audited<T>(log: Logger, entry: AuditIntent, action: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await action();
  } catch (err) {
    audit(log, { ...entry, result: 'refused', code: refusalCode(err) });
    throw err;
  }
  audit(log, { ...entry, result: 'ok' });
  return result;
}

/** A protocol error's code (FORBIDDEN, CONFLICT…), an HTTP error's status, or INTERNAL. */
function refusalCode(err: unknown): string {
  const { code, getStatus } = (err ?? {}) as { code?: unknown; getStatus?: unknown };
  if (typeof code === 'string') return code;
  if (typeof getStatus === 'function') return `HTTP_${String((getStatus as () => number).call(err))}`;
  return 'INTERNAL';
}
