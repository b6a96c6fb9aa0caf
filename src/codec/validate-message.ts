import { BadRequestError } from '../protocol/errors';
import { clientMessageSchemas, DIRECTIONS, isClientMessageType, type MoveMessage } from '../protocol/messages';
import type { DecodedFrame } from './wire-codec';

const MAX_ID_LENGTH = 64;

/**
 * Every check a decoded frame passes before a handler sees it, in the order PROTOCOL.md §2
 * promises, whatever its codec: an object, a valid `id` (echoed by every reply from then on), a
 * known `type`, then that type's schema. The message names the first field that is wrong.
 */
export function validateMessage(raw: unknown): DecodedFrame {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return refuse('a message must be an object');
  const msg = raw as { type?: unknown; id?: unknown };
  const requestId = validId(msg.id);
  if (msg.id !== undefined && requestId === undefined)
    return refuse(`id: must be a string of at most ${MAX_ID_LENGTH} characters`);
  if (typeof msg.type !== 'string') return refuse('type: required string', requestId);
  if (!isClientMessageType(msg.type)) return refuse(`type: unknown message type "${msg.type.slice(0, 32)}"`, requestId);
  // The hot path: a well-formed move is what zod would return, without zod's cost. Anything else
  // about a move (a bad dir) goes through the schema, so its errors are the schema's own.
  if (msg.type === 'move') {
    const move = validMove(raw as { dir?: unknown }, requestId);
    if (move) return { ok: true, message: move, requestId };
  }
  const parsed = clientMessageSchemas[msg.type].safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return refuse(`${issue.path.join('.') || '(message)'}: ${issue.message}`, requestId);
  }
  return { ok: true, message: parsed.data, requestId };
}

function validMove(raw: { dir?: unknown }, requestId: string | undefined): MoveMessage | undefined {
  if (typeof raw.dir !== 'string' || !(DIRECTIONS as readonly string[]).includes(raw.dir)) return undefined;
  const dir = raw.dir as MoveMessage['dir'];
  return requestId === undefined ? { type: 'move', dir } : { type: 'move', id: requestId, dir };
}

export function validId(id: unknown): string | undefined {
  return typeof id === 'string' && id.length <= MAX_ID_LENGTH ? id : undefined;
}

export function refuse(message: string, requestId?: string): DecodedFrame {
  return { ok: false, error: new BadRequestError(message), requestId };
}
