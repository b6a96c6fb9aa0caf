import { brokerSocketOptions, withHeartbeat } from './amqp-support';

describe('the broker connection', () => {
  it("turns Nagle's algorithm off: a publish after an ack must not wait for the broker's delayed TCP ack", () => {
    // amqplib's default is noDelay false (connect.js: `sock.setNoDelay(!!sockopts.noDelay)`).
    expect(brokerSocketOptions('i-1')).toMatchObject({ noDelay: true });
  });

  it('names the connection after the instance, for the broker’s management views', () => {
    expect(brokerSocketOptions('i-1').clientProperties).toEqual({ connection_name: 'myroom i-1' });
  });

  it('adds a heartbeat unless the URL sets one', () => {
    expect(new URL(withHeartbeat('amqp://h:5672/')).searchParams.get('heartbeat')).toBe('5');
    expect(new URL(withHeartbeat('amqp://h:5672/?heartbeat=1')).searchParams.get('heartbeat')).toBe('1');
  });
});
