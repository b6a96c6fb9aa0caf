import * as amqp from 'amqplib';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { cpuSecondsSplit } from './proc';

/**
 * RabbitMQ's CPU for the fan-out's traffic pattern, without a server or bots: two "instances",
 * each on one connection (as the server has) with a confirm channel publishing one stream message
 * per event-loop turn and a channel reading the stream from `next`, acknowledging once a turn with
 * `multiple`. Both read everything both publish, as two instances sharing one partition do. What
 * varies is the room events per second and how many of them ride in one message (the server's
 * turn batching, or a linger, decides that).
 *
 * Layout `by-origin` is a layout the fan-out does not have, measured to see what it would save:
 * each instance publishes to a stream of its own and reads only the other's, so no message is
 * delivered back to the instance that wrote it (in the shared layout, half the deliveries are).
 */
export type BrokerLayout = 'shared' | 'by-origin';

export interface BrokerCostStep {
  eventsPerSecond: number;
  eventsPerMessage: number;
  seconds: number;
  /** Default `shared`. */
  layout?: BrokerLayout;
}

export interface BrokerCostResult extends BrokerCostStep {
  messagesPerSecond: number;
  /** RabbitMQ's CPU over the window, in % of one core, and the part of it spent in the kernel. */
  brokerCpuPct: number;
  kernelCpuPct: number;
  /** The same with nothing published, measured just before (consumers attached). */
  idleCpuPct: number;
  usPerMessage: number;
  usPerEvent: number;
  published: number;
  /** Deliveries seen, over both consumers: `expected` when nothing went missing. */
  delivered: number;
  /** 2 × published in the shared layout (both read every message), published by origin. */
  expected: number;
}

/** One room event's JSON is about this long on the stream. */
const EVENT_BYTES = 180;
const PREFETCH = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Instance {
  conn: ChannelModel;
  pub: ConfirmChannel;
  sub: Channel;
}

async function openInstance(url: string, stream: string, onDelivery: () => void): Promise<Instance> {
  const conn = await amqp.connect(url, { clientProperties: { connection_name: `bench broker-cost ${stream}` } });
  const pub = await conn.createConfirmChannel();
  const sub = await conn.createChannel();
  await sub.prefetch(PREFETCH, false);
  let latest: ConsumeMessage | undefined;
  const ackLatest = () => {
    const msg = latest;
    latest = undefined;
    try {
      if (msg) sub.ack(msg, true);
    } catch {
      // the step ended and closed the channel between the delivery and this turn's ack
    }
  };
  await sub.consume(
    stream,
    (msg) => {
      if (!msg) return;
      onDelivery();
      if (!latest) setImmediate(() => ackLatest());
      latest = msg;
    },
    { noAck: false, arguments: { 'x-stream-offset': 'next' } },
  );
  return { conn, pub, sub };
}

/** Calls `send` `perSecond` times a second, evenly, each in a turn of its own, until `stop()`. */
function pace(perSecond: number, send: () => void): { stop(): void } {
  const interval = 1000 / perSecond;
  let next = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const now = performance.now();
    // Behind the timetable (a busy box), catch up in this turn rather than drift.
    while (next <= now) {
      send();
      next += interval;
    }
    timer = setTimeout(tick, Math.max(0, next - performance.now()));
  };
  tick();
  return { stop: () => clearTimeout(timer) };
}

function cpuOf(pid: number): { total: number; system: number } {
  const c = cpuSecondsSplit(pid);
  return { total: c.user + c.system, system: c.system };
}

/**
 * Measures one step on fresh streams named after `stream` (`stream` itself, or `<stream>.0` and
 * `<stream>.1` by origin), deleted afterwards.
 */
export async function measureBrokerCost(
  url: string,
  brokerPid: number,
  stream: string,
  step: BrokerCostStep,
): Promise<BrokerCostResult> {
  const byOrigin = step.layout === 'by-origin';
  // Instance i publishes to writes[i] and reads reads[i].
  const writes = byOrigin ? [`${stream}.0`, `${stream}.1`] : [stream, stream];
  const reads = byOrigin ? [writes[1], writes[0]] : writes;
  const streams = [...new Set(writes)];
  const admin = await amqp.connect(url);
  const declare = await admin.createChannel();
  for (const s of streams)
    await declare.assertQueue(s, { durable: true, arguments: { 'x-queue-type': 'stream', 'x-max-age': '1m' } });
  let delivered = 0;
  const instances: Instance[] = [];
  try {
    for (let i = 0; i < 2; i++) instances.push(await openInstance(url, reads[i], () => delivered++));
    await sleep(1000);
    const idle0 = cpuOf(brokerPid);
    const idleStart = performance.now();
    await sleep(2000);
    const idleCpuPct = (100 * (cpuOf(brokerPid).total - idle0.total)) / ((performance.now() - idleStart) / 1000);

    const body = Buffer.alloc(EVENT_BYTES * step.eventsPerMessage, 'x');
    let published = 0;
    const confirms: Promise<void>[] = [];
    const pacers = instances.map((inst, i) =>
      pace(step.eventsPerSecond / 2 / step.eventsPerMessage, () => {
        published++;
        confirms.push(
          new Promise<void>((resolve, reject) =>
            inst.pub.sendToQueue(writes[i], body, {}, (err) => (err ? reject(err) : resolve())),
          ),
        );
      }),
    );
    await sleep(1000); // past the first turns' warm-up
    const c0 = cpuOf(brokerPid);
    const p0 = published;
    const t0 = performance.now();
    await sleep(step.seconds * 1000);
    const c1 = cpuOf(brokerPid);
    const wall = (performance.now() - t0) / 1000;
    const messages = published - p0;
    for (const p of pacers) p.stop();
    await Promise.all(confirms);
    const expected = byOrigin ? published : 2 * published;
    for (const waitUntil = Date.now() + 5000; delivered < expected && Date.now() < waitUntil;) await sleep(50);
    const used = c1.total - c0.total;
    return {
      ...step,
      messagesPerSecond: messages / wall,
      brokerCpuPct: (100 * used) / wall,
      kernelCpuPct: (100 * (c1.system - c0.system)) / wall,
      idleCpuPct,
      usPerMessage: (1e6 * used) / messages,
      usPerEvent: (1e6 * used) / (messages * step.eventsPerMessage),
      published,
      delivered,
      expected,
    };
  } finally {
    for (const inst of instances) await inst.conn.close().catch(() => undefined);
    for (const s of streams) await declare.deleteQueue(s).catch(() => undefined);
    await admin.close().catch(() => undefined);
  }
}
