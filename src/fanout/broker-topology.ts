import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import type { Logger } from '../logging/logger';
import { declareStreams } from './amqp-support';
import type { ServicesConfig } from '../config/config';
import { allEventStreams } from './stream-partitions';

/** Control messages are only useful while the session they name may still be open. */
const CONTROL_TTL_MS = 30_000;
/** A control queue outlives a short disconnect of its instance, then goes away on its own. */
const CONTROL_QUEUE_EXPIRES_MS = 60_000;

/**
 * What one connection of the fan-out needs on the broker: every event stream of the deployment
 * (declared with its retention; declaring is idempotent), a confirm channel to publish on, and a
 * consuming channel with its prefetch and this instance's control queue.
 */
export async function openFanoutChannels(
  conn: ChannelModel,
  opts: ServicesConfig['streams'],
  controlQueue: string,
  log: Logger,
  onChannelClosed: () => void,
): Promise<{ pub: ConfirmChannel; sub: Channel }> {
  await declareStreams(
    conn,
    allEventStreams(opts.prefix, opts.partitions),
    {
      'x-queue-type': 'stream',
      'x-max-age': opts.maxAge,
      'x-max-length-bytes': opts.maxBytes,
      'x-stream-max-segment-size-bytes': opts.segmentBytes,
    },
    log,
  );
  const pub = await conn.createConfirmChannel();
  const sub = await conn.createChannel();
  for (const ch of [pub, sub]) {
    ch.on('error', (err: Error) => log.warn({ err: err.message }, 'message broker channel error'));
    ch.on('close', onChannelClosed);
  }
  await sub.prefetch(opts.prefetch, false);
  await sub.assertQueue(controlQueue, {
    durable: true,
    arguments: { 'x-expires': CONTROL_QUEUE_EXPIRES_MS, 'x-message-ttl': CONTROL_TTL_MS },
  });
  return { pub, sub };
}
