import { UnavailableError } from '../../protocol/errors';

/**
 * How ioredis says it could not reach Redis, so the adapters can say it in the project's terms.
 * With `maxRetriesPerRequest` set, a command sent while the connection is down fails with
 * MaxRetriesPerRequestError; one in flight when the connection closes (or sent after a manual
 * disconnect) fails with "Connection is closed."; with the offline queue off, "Stream isn't
 * writeable"; one unanswered within `commandTimeout` fails with "Command timed out".
 * A Redis that is up but cannot serve yet answers LOADING / MASTERDOWN / TRYAGAIN.
 * Anything else (a script error, a wrong-type reply) is a bug and is passed on untouched.
 */
const DRIVER_ERROR_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);
const DRIVER_MESSAGES = [/^Connection is closed\.$/, /^Stream isn't writeable/, /^Command timed out$/];
const NOT_SERVING_REPLIES = /^(LOADING|MASTERDOWN|TRYAGAIN) /;
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

export function isRedisUnreachable(err: unknown): boolean {
  // Not `instanceof Error`: socket errors are made by Node's core, which may be another realm (jest).
  if (typeof err !== 'object' || err === null) return false;
  const { name, message } = err as { name?: unknown; message?: unknown };
  if (typeof name !== 'string' || typeof message !== 'string') return false;
  if (DRIVER_ERROR_NAMES.has(name)) return true;
  if (DRIVER_MESSAGES.some((re) => re.test(message))) return true;
  if (name === 'ReplyError' && NOT_SERVING_REPLIES.test(message)) return true;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && SOCKET_CODES.has(code);
}

/** For `.catch()` on every Redis call of an adapter: an unreachable Redis becomes UnavailableError. */
export function fromRedis(err: unknown): never {
  if (isRedisUnreachable(err))
    throw new UnavailableError('the room state is unreachable; nothing was changed, try again', { cause: err });
  throw err;
}
