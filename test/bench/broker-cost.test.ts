import { randomBytes } from 'node:crypto';
import { measureBrokerCost } from '../../bench/lib/broker-cost';
import { servicePid } from '../../bench/lib/proc';
import { listBrokerQueues } from '../support/rabbit';
import { SERVICES } from '../support/server';

jest.setTimeout(30_000);

describe('the broker-cost bench on the real broker', () => {
  it('paces the messages, delivers every one to both readers, attributes the broker CPU, and deletes its stream', async () => {
    const prefix = `bench.broker-cost.t${randomBytes(4).toString('hex')}`;
    const stream = `${prefix}.s`;
    const brokerPid = servicePid(SERVICES.rabbitmq, 5672, 'beam.smp');
    expect(brokerPid).toBeGreaterThan(0);

    const r = await measureBrokerCost(SERVICES.rabbitmq, brokerPid, stream, {
      eventsPerSecond: 400,
      eventsPerMessage: 4,
      seconds: 2,
    });

    // 400 events/s at 4 a message over two publishers: 100 messages/s in all.
    expect(r.messagesPerSecond).toBeGreaterThan(70);
    expect(r.messagesPerSecond).toBeLessThan(130);
    expect(r.published).toBeGreaterThan(150);
    expect(r.expected).toBe(2 * r.published);
    expect(r.delivered).toBe(r.expected);
    // The broker did some work for them, and the per-event figure divides the same CPU by 4 times as much.
    expect(r.brokerCpuPct).toBeGreaterThan(0);
    expect(r.kernelCpuPct).toBeLessThanOrEqual(r.brokerCpuPct);
    expect(r.usPerEvent).toBeCloseTo(r.usPerMessage / 4, 6);
    expect(await listBrokerQueues(prefix)).toEqual([]);
  });

  it('by origin: every message is delivered once, not to both readers, and both streams are deleted', async () => {
    const prefix = `bench.broker-cost.t${randomBytes(4).toString('hex')}`;
    const brokerPid = servicePid(SERVICES.rabbitmq, 5672, 'beam.smp');

    const r = await measureBrokerCost(SERVICES.rabbitmq, brokerPid, `${prefix}.s`, {
      eventsPerSecond: 400,
      eventsPerMessage: 4,
      seconds: 2,
      layout: 'by-origin',
    });

    expect(r.published).toBeGreaterThan(150);
    // Had a reader read its own stream too (or both read one), deliveries would be twice this.
    expect(r.expected).toBe(r.published);
    expect(r.delivered).toBe(r.published);
    expect(await listBrokerQueues(prefix)).toEqual([]);
  });
});
