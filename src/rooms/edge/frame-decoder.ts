import type WebSocket from 'ws';
import { BadRequestError } from '../../protocol/errors';
import {
  type ClientMessage,
  clientMessageSchemas,
  DIRECTIONS,
  isClientMessageType,
  type MoveMessage,
} from '../../protocol/messages';

/** A frame turned into one validated client message, or the BAD_REQUEST that answers it. */
export type DecodedFrame<M = ClientMessage> =
  | { ok: true; message: M; requestId: string | undefined }
  | { ok: false; error: BadRequestError; requestId: string | undefined };

const MAX_ID_LENGTH = 64;

/**
 * Every check a frame passes before a handler sees it, in the order PROTOCOL.md §2 promises:
 * JSON text, an object, a valid `id` (echoed by every reply from then on), a known `type`, then
 * that type's schema. The message names the first field that is wrong.
 */
export function decodeFrame(data: WebSocket.RawData, isBinary: boolean): DecodedFrame {
  if (isBinary) return refuse('binary frames are not supported; send JSON text');
  let raw: unknown;
  try {
    raw = JSON.parse(data.toString());
  } catch {
    return refuse('frame is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return refuse('a message must be a JSON object');
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

/**
 * The `id` of a frame refused before it is decoded (rate limit, full queue). PROTOCOL.md: the reply
 * to a request echoes its id, and RATE_LIMITED is that reply; without the id a client waiting on
 * its request would never hear back. Frames are at most WS_MAX_PAYLOAD bytes, so this parse is cheap.
 */
export function peekRequestId(data: WebSocket.RawData, isBinary: boolean): string | undefined {
  if (isBinary) return undefined;
  try {
    return validId((JSON.parse(data.toString()) as { id?: unknown } | null)?.id);
  } catch {
    return undefined;
  }
}

function validMove(raw: { dir?: unknown }, requestId: string | undefined): MoveMessage | undefined {
  if (typeof raw.dir !== 'string' || !(DIRECTIONS as readonly string[]).includes(raw.dir)) return undefined;
  const dir = raw.dir as MoveMessage['dir'];
  return requestId === undefined ? { type: 'move', dir } : { type: 'move', id: requestId, dir };
}

function validId(id: unknown): string | undefined {
  return typeof id === 'string' && id.length <= MAX_ID_LENGTH ? id : undefined;
}

function refuse(message: string, requestId?: string): DecodedFrame {
  return { ok: false, error: new BadRequestError(message), requestId };
}
