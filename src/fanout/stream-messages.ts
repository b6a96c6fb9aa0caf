/**
 * The body of an event stream message: one JSON head line `[origin, roomId, seq]`, a newline,
 * then the event's own JSON exactly as the publishing instance serialized it. Receivers read only
 * the head to route and order the event, and hand the rest to sockets without parsing it again.
 */
export interface StreamEvent {
  origin: string;
  roomId: string;
  seq: number;
  json: string;
}

export function encodeStreamEvent(e: StreamEvent): Buffer {
  return Buffer.from(`${JSON.stringify([e.origin, e.roomId, e.seq])}\n${e.json}`);
}

/** The event in a stream message, or null when the message is not one of ours. */
export function decodeStreamEvent(content: Buffer): StreamEvent | null {
  const text = content.toString('utf8');
  const nl = text.indexOf('\n');
  if (nl < 0) return null;
  let head: unknown;
  try {
    head = JSON.parse(text.slice(0, nl));
  } catch {
    return null;
  }
  if (!Array.isArray(head) || head.length !== 3) return null;
  const [origin, roomId, seq] = head as unknown[];
  if (typeof origin !== 'string' || typeof roomId !== 'string' || typeof seq !== 'number') return null;
  return { origin, roomId, seq, json: text.slice(nl + 1) };
}
