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
 */
export interface BrokerCostStep {
  eventsPerSecond: number;
  eventsPerMessage: number;
  seconds: number;
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
  /** Deliveries seen, over both consumers: 2 × published when nothing went missing. */
  delivered: number;
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

/** Measures one step on a fresh stream named `stream`, deleted afterwards. */
export async function measureBrokerCost(
  url: string,
  brokerPid: number,
  stream: string,
  step: BrokerCostStep,
): Promise<BrokerCostResult> {
  const admin = await amqp.connect(url);
  const declare = await admin.createChannel();
  await declare.assertQueue(stream, { durable: true, arguments: { 'x-queue-type': 'stream', 'x-max-age': '1m' } });
  let delivered = 0;
  const instances: Instance[] = [];
  try {
    for (let i = 0; i < 2; i++) instances.push(await openInstance(url, stream, () => delivered++));
    await sleep(1000);
    const idle0 = cpuOf(brokerPid);
    const idleStart = performance.now();
    await sleep(2000);
    const idleCpuPct = (100 * (cpuOf(brokerPid).total - idle0.total)) / ((performance.now() - idleStart) / 1000);

    const body = Buffer.alloc(EVENT_BYTES * step.eventsPerMessage, 'x');
    let published = 0;
    const confirms: Promise<void>[] = [];
    const pacers = instances.map((inst) =>
      pace(step.eventsPerSecond / 2 / step.eventsPerMessage, () => {
        published++;
        confirms.push(
          new Promise<void>((resolve, reject) =>
            inst.pub.sendToQueue(stream, body, {}, (err) => (err ? reject(err) : resolve())),
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
    for (const waitUntil = Date.now() + 5000; delivered < 2 * published && Date.now() < waitUntil;) await sleep(50);
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
    };
  } finally {
    for (const inst of instances) await inst.conn.close().catch(() => undefined);
    await declare.deleteQueue(stream).catch(() => undefined);
    await admin.close().catch(() => undefined);
  }
}
