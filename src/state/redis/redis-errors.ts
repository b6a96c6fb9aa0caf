import { UnavailableError } from '../../protocol/errors';

/**
 * How ioredis says it could not reach Redis, so the adapters can say it in the project's terms.
 * With `maxRetriesPerRequest` set, a command sent while the connection is down fails with
 * MaxRetriesPerRequestError; one in flight when the connection closes (or sent after a manual
 * disconnect) fails with "Connection is closed."; with the offline queue off, "Stream isn't
 * writeable". A Redis that is up but cannot serve yet answers LOADING / MASTERDOWN / TRYAGAIN.
 * Anything else (a script error, a wrong-type reply) is a bug and is passed on untouched.
 */
const DRIVER_ERROR_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);
const DRIVER_MESSAGES = [/^Connection is closed\.$/, /^Stream isn't writeable/];
const NOT_SERVING_REPLIES = /^(LOADING|MASTERDOWN|TRYAGAIN) /;
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

export function isRedisUnreachable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (DRIVER_ERROR_NAMES.has(err.name)) return true;
  if (DRIVER_MESSAGES.some((re) => re.test(err.message))) return true;
  if (err.name === 'ReplyError' && NOT_SERVING_REPLIES.test(err.message)) return true;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && SOCKET_CODES.has(code);
}

/** For `.catch()` on every Redis call of an adapter: an unreachable Redis becomes UnavailableError. */
export function fromRedis(err: unknown): never {
  if (isRedisUnreachable(err)) throw new UnavailableError(undefined, { cause: err });
  throw err;
}
