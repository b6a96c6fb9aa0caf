import type { ControlMessage } from './fanout.port';
/**
 * The body of an event stream message. Two versions, both read by this release:
 *
 * v1, one event: a JSON head line `[origin, roomId, seq]`, a newline, then the event's own JSON.
 *
 * v2, a batch (everything one instance published to one partition in one turn of its event loop):
 * a JSON head line `[2, origin, [[roomId, seq, bytes, atMs], …]]`, a newline, then the events' own
 * JSON texts back to back, each `bytes` long (UTF-8). `atMs` is the event's write time minus the
 * message's AMQP timestamp (or 0 without one).
 *
 * Both heads may end with the event's epoch (v1: a fourth element; v2: a fifth in each entry): the
 * epoch of the live state its seq counts in, which is how a receiver learns that a room's state was
 * lost and began again (rooms/room-channels.ts). A head without it is read as before.
 *
 * Either way receivers read only the head to route and order events, and hand each event's bytes
 * to sockets without parsing them again. A v1 head starts with a string and a v2 head with the
 * number 2, so one decoder reads both; a release that reads only v1 drops v2 messages as
 * malformed, which is why the batch size is a setting (1 writes v1, for a rolling upgrade from
 * such a release).
 *
 * Trace context (either version): the AMQP header `x-myroom-trace`, pairing an event's index in
 * the message with the W3C traceparent of its publish, for the events whose write was traced
 * (sampled). It is outside the body, so releases that do not know it read the message as before,
 * and a message without it decodes as always (no context).
 */
export interface StreamEvent {
  origin: string;
  roomId: string;
  seq: number;
  json: string;
  /** Write time (epoch ms), when the message carries one. */
  at?: number;
  /** The epoch `seq` counts in, when the publisher said. */
  epoch?: string;
  /** The publish's traceparent (from the `x-myroom-trace` header). */
  trace?: string;
}

export const TRACE_HEADER = 'x-myroom-trace';

/**
 * The `x-myroom-trace` header for a message of `events` (in message order), `<index>=<traceparent>`
 * pairs joined by commas; undefined when none is traced. A flat string: a stream keeps a message's
 * headers through its AMQP 1.0 form, where a nested table does not survive.
 */
export function traceHeader(events: readonly Omit<StreamEvent, 'origin'>[]): Record<string, string> | undefined {
  let pairs: string[] | undefined;
  for (let i = 0; i < events.length; i++) {
    const trace = events[i].trace;
    if (trace !== undefined) (pairs ??= []).push(`${i}=${trace}`);
  }
  return pairs && { [TRACE_HEADER]: pairs.join(',') };
}

/** Gives each decoded event its traceparent from a message's headers; anything malformed is ignored. */
export function attachTraces(events: StreamEvent[], headers: Record<string, unknown> | undefined): void {
  const header = headers?.[TRACE_HEADER];
  if (typeof header !== 'string') return;
  for (const pair of header.split(',')) {
    const eq = pair.indexOf('=');
    const event = eq > 0 ? events[Number(pair.slice(0, eq))] : undefined;
    if (event) event.trace = pair.slice(eq + 1);
  }
}

const BATCH_VERSION = 2;

export function encodeStreamEvent(e: StreamEvent): Buffer {
  const head = e.epoch !== undefined ? [e.origin, e.roomId, e.seq, e.epoch] : [e.origin, e.roomId, e.seq];
  return Buffer.from(`${JSON.stringify(head)}\n${e.json}`);
}

/** One v2 message for `events` (all of `origin`), their times relative to `timestamp`. */
export function encodeStreamBatch(
  origin: string,
  events: readonly Omit<StreamEvent, 'origin'>[],
  timestamp?: number,
): Buffer {
  const entries = events.map((e) => {
    const entry = [
      e.roomId,
      e.seq,
      Buffer.byteLength(e.json),
      e.at !== undefined && timestamp !== undefined ? e.at - timestamp : 0,
    ];
    return e.epoch !== undefined ? [...entry, e.epoch] : entry;
  });
  return Buffer.from(`${JSON.stringify([BATCH_VERSION, origin, entries])}\n${events.map((e) => e.json).join('')}`);
}

/**
 * The events in a stream message (v1 or v2), or null when the message is not one of ours.
 * `timestamp` is the message's AMQP timestamp, from which v2 events get their `at`.
 */
export function decodeStreamMessage(content: Buffer, timestamp?: number): StreamEvent[] | null {
  const nl = content.indexOf(0x0a);
  if (nl < 0) return null;
  let head: unknown;
  try {
    head = JSON.parse(content.toString('utf8', 0, nl));
  } catch {
    return null;
  }
  if (!Array.isArray(head)) return null;
  if (head[0] === BATCH_VERSION) return decodeBatch(head, content, nl + 1, timestamp);
  const one = v1Event(head, content, nl + 1);
  if (!one) return null;
  return [timestamp !== undefined ? { ...one, at: timestamp } : one];
}

function v1Event(head: unknown[], content: Buffer, start: number): StreamEvent | null {
  if (head.length !== 3 && head.length !== 4) return null;
  const [origin, roomId, seq, epoch] = head;
  if (typeof origin !== 'string' || typeof roomId !== 'string' || typeof seq !== 'number') return null;
  if (epoch !== undefined && typeof epoch !== 'string') return null;
  const e: StreamEvent = { origin, roomId, seq, json: content.toString('utf8', start) };
  if (epoch !== undefined) e.epoch = epoch;
  return e;
}

function decodeBatch(
  head: unknown[],
  content: Buffer,
  start: number,
  timestamp: number | undefined,
): StreamEvent[] | null {
  const [, origin, entries] = head;
  if (head.length !== 3 || typeof origin !== 'string' || !Array.isArray(entries)) return null;
  const events: StreamEvent[] = [];
  let offset = start;
  for (const entry of entries as unknown[]) {
    if (!Array.isArray(entry) || (entry.length !== 4 && entry.length !== 5)) return null;
    const [roomId, seq, bytes, atMs, epoch] = entry as unknown[];
    if (typeof roomId !== 'string' || typeof seq !== 'number' || typeof bytes !== 'number' || typeof atMs !== 'number')
      return null;
    if (epoch !== undefined && typeof epoch !== 'string') return null;
    if (bytes < 0 || offset + bytes > content.length) return null;
    const e: StreamEvent = { origin, roomId, seq, json: content.toString('utf8', offset, offset + bytes) };
    if (epoch !== undefined) e.epoch = epoch;
    if (timestamp !== undefined) e.at = timestamp + atMs;
    events.push(e);
    offset += bytes;
  }
  return offset === content.length ? events : null;
}

/** A control message (JSON, one per queue message), or null when it does not parse. */
export function decodeControlMessage(content: Buffer): ControlMessage | null {
  try {
    const m = JSON.parse(content.toString('utf8')) as unknown;
    return typeof m === 'object' && m !== null && typeof (m as { kind?: unknown }).kind === 'string'
      ? (m as ControlMessage)
      : null;
  } catch {
    return null;
  }
}
