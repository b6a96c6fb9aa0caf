import type { Channel, ConsumeMessage } from 'amqplib';
import { createLogger } from '../logging/logger';
import { AckBatcher, brokerSocketOptions, withHeartbeat } from './amqp-support';

describe('the broker connection', () => {
  it("leaves Nagle's algorithm on: with it off the broker's CPU per event rose about 2.4× (see brokerSocketOptions)", () => {
    // amqplib passes it on as `sock.setNoDelay(!!sockopts.noDelay)`.
    expect(brokerSocketOptions('i-1')).toMatchObject({ noDelay: false });
  });

  it('names the connection after the instance, for the broker’s management views', () => {
    expect(brokerSocketOptions('i-1').clientProperties).toEqual({ connection_name: 'myroom i-1' });
  });

  it('adds a heartbeat unless the URL sets one', () => {
    expect(new URL(withHeartbeat('amqp://h:5672/')).searchParams.get('heartbeat')).toBe('5');
    expect(new URL(withHeartbeat('amqp://h:5672/?heartbeat=1')).searchParams.get('heartbeat')).toBe('1');
  });
});

describe(AckBatcher.name, () => {
  const log = createLogger('silent', 'unit');
  const delivery = (tag: number) => ({ fields: { deliveryTag: tag } }) as unknown as ConsumeMessage;

  function channel(): { ch: Channel; acks: [number, boolean | undefined][] } {
    const acks: [number, boolean | undefined][] = [];
    const ch = { ack: (m: ConsumeMessage, all?: boolean) => acks.push([m.fields.deliveryTag, all]) };
    return { ch: ch as unknown as Channel, acks };
  }

  afterEach(() => jest.useRealTimers());

  it('acknowledges a turn’s deliveries once, with the newest and `multiple`', async () => {
    const { ch, acks } = channel();
    const batcher = new AckBatcher(ch, log);
    for (const tag of [1, 2, 3]) batcher.add(delivery(tag));
    expect(acks).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(acks).toEqual([[3, true]]);
  });

  it('with a linger, acknowledges what came within it once, when it ends', () => {
    jest.useFakeTimers();
    const { ch, acks } = channel();
    const batcher = new AckBatcher(ch, log, 5);
    batcher.add(delivery(1));
    jest.advanceTimersByTime(4);
    batcher.add(delivery(2));
    expect(acks).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(acks).toEqual([[2, true]]);
    batcher.add(delivery(3));
    batcher.flush();
    jest.advanceTimersByTime(10);
    expect(acks).toEqual([
      [2, true],
      [3, true],
    ]);
  });
});
