import type WebSocket from 'ws';
import { CloseCode } from '../../protocol/close-codes';
import { BadRequestError } from '../../protocol/errors';
import type { ServerMessage } from '../../protocol/messages';
import type { SessionWire } from '../../rooms/client-session';
import type { DecodedFrame } from '../../rooms/edge/frame-decoder';
import { type LegacyRequest, parseLegacyFrame } from './legacy-frames';
import { type GameNames, legacyFrameOf } from './legacy-view';

/**
 * The wire of every legacy session of this instance (one object, shared). A room event reaches
 * the sockets of a room one after another as the same string (or the same bytes), so remembering
 * the last one rewritten makes each event rewritten once for all legacy sockets, not once each.
 */
export class LegacyWire implements SessionWire {
  private last?: { json: string | Buffer; frame: string | undefined };

  constructor(private readonly names: GameNames) {}

  encode(json: string | Buffer): string | undefined {
    if (this.last?.json === json) return this.last.frame;
    const msg = JSON.parse(typeof json === 'string' ? json : json.toString('utf8')) as ServerMessage;
    const frame = legacyFrameOf(msg, this.names);
    this.last = { json, frame };
    return frame;
  }

  /** The original clients knew no 4001: a replaced one gets `98`, then a normal close. */
  closeCode(code: number): number {
    return code === CloseCode.REPLACED ? CloseCode.NORMAL : code;
  }

  decode(data: WebSocket.RawData, isBinary: boolean): DecodedFrame<LegacyRequest> {
    const parsed = isBinary
      ? { ok: false as const, message: 'binary frames are not supported; send text <code><JSON>' }
      : parseLegacyFrame(rawText(data));
    if (parsed.ok) return { ok: true, message: parsed.request, requestId: undefined };
    return { ok: false, error: new BadRequestError(parsed.message), requestId: undefined };
  }
}

export function rawText(data: WebSocket.RawData): string {
  return Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8');
}
