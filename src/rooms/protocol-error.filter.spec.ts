import { Writable } from 'node:stream';
import pino from 'pino';
import { BlockedError, UnavailableError } from '../protocol/errors';
import { errorMessage } from './protocol-error.filter';

/** A logger whose lines the test reads back. */
function capturingLogger() {
  const lines: { level: number; msg: string; err?: { message: string } }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

describe('errorMessage maps error types, never message text', () => {
  it('a domain error becomes its code, with its extra fields and the request id, and is not logged', () => {
    const { log, lines } = capturingLogger();
    expect(errorMessage(new BlockedError(2, 3), 'r1', log)).toEqual({
      type: 'error',
      code: 'BLOCKED',
      message: 'that step is blocked',
      id: 'r1',
      x: 2,
      y: 3,
    });
    expect(lines).toEqual([]);
  });

  it("an adapter's UnavailableError becomes UNAVAILABLE with its message, and its driver cause is logged", () => {
    const { log, lines } = capturingLogger();
    const cause = new Error('Connection is closed.');
    const frame = errorMessage(
      new UnavailableError('the room state is unreachable; nothing was changed, try again', { cause }),
      undefined,
      log,
    );
    expect(frame).toEqual({
      type: 'error',
      code: 'UNAVAILABLE',
      message: 'the room state is unreachable; nothing was changed, try again',
    });
    expect(lines).toHaveLength(1);
    // pino's error serializer folds the cause into the logged message and stack.
    expect(lines[0]).toMatchObject({
      level: 40,
      msg: 'backing service unavailable',
      err: { message: expect.stringContaining('Connection is closed.') },
    });
  });

  it('an untranslated error is INTERNAL even when it looks like a driver failure, and is logged with a correlation id', () => {
    const { log, lines } = capturingLogger();
    const raw = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    const frame = errorMessage(raw, 'r2', log);
    expect(frame).toMatchObject({ type: 'error', code: 'INTERNAL', id: 'r2' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: 'internal error',
      correlationId: frame.correlationId,
      err: { message: raw.message },
    });
  });
});
