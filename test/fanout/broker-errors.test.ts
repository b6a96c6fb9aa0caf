import * as amqp from 'amqplib';
import { fromPublish } from '../../src/fanout/amqp-support';
import { UnavailableError } from '../../src/protocol/errors';
import { SERVICES } from '../support/server';

/** What amqplib throws when the broker goes away under a publish, read from the real driver. */
describe('broker errors at the fan-out edge', () => {
  it('a publish on a channel that closed under it is UNAVAILABLE; any other throw passes through', async () => {
    const conn = await amqp.connect(SERVICES.rabbitmq);
    try {
      const ch = await conn.createConfirmChannel();
      await ch.close();
      let thrown: unknown;
      try {
        ch.sendToQueue('nowhere', Buffer.from('x'), {}, () => undefined);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toMatchObject({ name: 'IllegalOperationError', message: expect.stringMatching(/Channel closed/) });
      const translated = fromPublish(thrown);
      expect(translated).toBeInstanceOf(UnavailableError);
      expect((translated as Error).cause).toBe(thrown);
    } finally {
      await conn.close();
    }
    const bug = new TypeError('content is not a buffer');
    expect(fromPublish(bug)).toBe(bug);
  });
});
