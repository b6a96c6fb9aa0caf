import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { backoffDelay, type BackoffOptions } from '../common/backoff';
import { withDeadline } from '../common/deadline';
import type { Logger } from '../logging/logger';
import { UnavailableError } from '../protocol/errors';

/** Small pieces of the RabbitMQ fan-out that do not need its state. */

/**
 * Broker reconnects: 100-200 ms after the first failure, doubling up to 1-2 s. The cap bounds how
 * long fan-out stays away after the broker is back (a retry at most 2 s later, then resubscribing),
 * and a refused connection attempt every second or two costs a broker that is down nothing.
 */
const RECONNECT_BACKOFF: BackoffOptions = { baseMs: 200, maxMs: 2000, factor: 2 };

/**
 * Declares the partition streams with our retention. A stream that already exists with other
 * arguments (the operator changed the settings) makes the broker refuse the declaration; we then
 * use it as it is and say so: retention of existing streams is changed with a policy.
 */
export async function declareStreams(
  conn: ChannelModel,
  names: string[],
  args: Record<string, unknown>,
  log: Logger,
): Promise<void> {
  let ch: Channel | undefined;
  try {
    for (const name of names) {
      ch ??= await conn.createChannel();
      ch.on('error', () => undefined);
      try {
        await ch.assertQueue(name, { durable: true, arguments: args });
      } catch (err) {
        if ((err as { code?: number }).code !== 406) throw err;
        log.warn(
          { stream: name },
          'stream exists with different arguments; using it as it is (change retention with a policy)',
        );
        ch = undefined; // the broker closed it
        const check = await conn.createChannel();
        await check.checkQueue(name);
        await check.close();
      }
    }
  } finally {
    await ch?.close().catch(() => undefined);
  }
}

/**
 * Acknowledges deliveries in batches: once per event-loop turn (or per `lingerMs`, the publishes'
 * linger, so acks travel with them), the newest delivery with `multiple`, which covers everything
 * before it on the channel. Every ack of the channel goes
 * through here, so no delivery tag is ever acknowledged twice (the broker would close the channel).
 */
export class AckBatcher {
  private latest?: ConsumeMessage;
  private scheduled = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly ch: Channel,
    private readonly log: Logger,
    private readonly lingerMs = 0,
  ) {}

  add(msg: ConsumeMessage): void {
    this.latest = msg;
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.lingerMs > 0) this.timer = setTimeout(() => this.flush(), this.lingerMs);
    else setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    clearTimeout(this.timer);
    const msg = this.latest;
    this.latest = undefined;
    if (!msg) return;
    try {
      this.ch.ack(msg, true);
    } catch (err) {
      this.log.debug({ err }, 'ack on a closed channel');
    }
  }
}

/**
 * How the fan-out's connection to the broker is opened. `noDelay` stays false (Nagle on, amqplib's
 * default) on purpose. With it off, a publish that follows one of our acks no longer waits for the
 * broker's delayed TCP acknowledgement (up to 40 ms), which cut WORKERS=2's cross-worker p50 at 1
 * move/s from about 20 to 3 ms; but every small publish and ack then leaves as its own segment, and
 * in the same bench run RabbitMQ's CPU per event rose about 2.4× (1 Hz: 230 → 552 µs), server CPU
 * rose, and two instances behind HAProxy got slower (p50 1.2 → 3.5 ms at 1 Hz, and 3 Hz failed
 * its p99 bar). Writing each turn's frames together (the socket corked per turn) with Nagle off
 * did not help: the broker's CPU per event still about tripled, since Nagle's wait also merges
 * several turns into one read (and one stream chunk) on the broker. The cheaper broker wins.
 */
export function brokerSocketOptions(instanceId: string): {
  clientProperties: Record<string, string>;
  timeout: number;
  noDelay: boolean;
} {
  return { clientProperties: { connection_name: `myroom ${instanceId}` }, timeout: 5000, noDelay: false };
}

/** A dead broker (or network path) is noticed within two heartbeats unless the URL says otherwise. */
export function withHeartbeat(url: string): string {
  const u = new URL(url);
  if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', '5');
  return u.toString();
}

/** The wait before reconnect number `attempt` (1 = right after the first failure). */
export function backoff(attempt: number): number {
  return backoffDelay(attempt - 1, RECONNECT_BACKOFF);
}

/**
 * What a publish that threw synchronously means: amqplib throws IllegalOperationError ("Channel
 * closed") when the channel or its connection closed under us, which is the broker going away.
 * Anything else (a bad argument) is a bug and is passed on untouched.
 */
export function fromPublish(err: unknown): unknown {
  if (err instanceof Error && err.name === 'IllegalOperationError')
    return new UnavailableError('the message broker is unavailable', { cause: err });
  return err;
}

/** Waits for `p` (its outcome ignored), but no longer than `ms`. */
export async function waitAtMost(p: Promise<unknown> | undefined, ms: number): Promise<void> {
  await withDeadline(p?.catch(() => undefined) ?? Promise.resolve(), ms, () => undefined);
}
