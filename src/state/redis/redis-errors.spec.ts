import { ReplyError } from 'ioredis';
import MaxRetriesPerRequestError from 'ioredis/built/errors/MaxRetriesPerRequestError';
import { UnavailableError } from '../../protocol/errors';
import { fromRedis, isRedisUnreachable } from './redis-errors';

/** The driver's own error classes and messages (test/state/redis-unavailable.test.ts meets them live). */
describe('Redis errors at the adapter edge', () => {
  it.each([
    ['a command out of retries', new MaxRetriesPerRequestError(1)],
    ['a command on a closed connection', new Error('Connection is closed.')],
    [
      'a command with the offline queue off',
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    ],
    ['a command unanswered within commandTimeout (a black-holed connection)', new Error('Command timed out')],
    ['a Redis still loading its data', new ReplyError('LOADING Redis is loading the dataset in memory')],
    ['a refused socket', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })],
  ])('%s is UNAVAILABLE, with the driver error as cause', (_, err) => {
    expect(isRedisUnreachable(err)).toBe(true);
    expect(() => fromRedis(err)).toThrow(UnavailableError);
    try {
      fromRedis(err);
    } catch (e) {
      expect((e as Error).cause).toBe(err);
    }
  });

  it.each([
    ['a script error', new ReplyError('ERR user_script:1: Script attempted to access nonexistent global variable')],
    ['a wrong-type reply', new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value')],
    ['a bug of ours', new TypeError("Cannot read properties of undefined (reading 'split')")],
    ['something that is not an error', 'nope'],
  ])('%s is passed on untouched', (_, err) => {
    expect(isRedisUnreachable(err)).toBe(false);
    expect(() => fromRedis(err)).toThrow();
    try {
      fromRedis(err);
    } catch (e) {
      expect(e).toBe(err);
    }
  });
});
