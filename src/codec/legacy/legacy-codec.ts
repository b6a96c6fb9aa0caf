import type WebSocket from 'ws';
import { CloseCode } from '../../protocol/close-codes';
import { BadRequestError } from '../../protocol/errors';
import type { ServerMessage } from '../../protocol/messages';
import type { WireFormat } from '../codecs';
import type { DecodedFrame, Frame, WireCodec } from '../wire-codec';
import { type LegacyRequest, parseLegacyFrame } from './legacy-frames';
import { type GameNames, legacyFrameOf } from './legacy-view';

/** Its slot in an event's frames (event-frames.ts): one past the codecs negotiated by subprotocol. */
const LEGACY_SLOT = 2;

/**
 * The original clients' dialect as a codec (docs/LEGACY-PROTOCOL.md), chosen by the endpoint
 * (`/library`), not a subprotocol: text frames `<code><JSON>`. Like every codec it is handed v1
 * messages and encodes each room event once for all its sockets; what the original clients have
 * no word for (acks, chat, notices) encodes to nothing.
 */
export class LegacyCodec implements WireCodec {
  readonly name = 'legacy';
  readonly slot = LEGACY_SLOT;
  readonly binary = false;
  /** Legacy sockets never take batches: each event is a frame of its own, as the original clients expect. */
  readonly format: WireFormat = { codec: this, batched: false };

  constructor(private readonly names: GameNames) {}

  decode(data: WebSocket.RawData, isBinary: boolean): DecodedFrame<LegacyRequest> {
    const parsed = isBinary
      ? { ok: false as const, message: 'binary frames are not supported; send text <code><JSON>' }
      : parseLegacyFrame(rawText(data));
    if (parsed.ok) return { ok: true, message: parsed.request, requestId: undefined };
    return { ok: false, error: new BadRequestError(parsed.message), requestId: undefined };
  }

  /** The original frames carry no request ids. */
  peekRequestId(): undefined {
    return undefined;
  }

  encode(message: object): Frame {
    return legacyFrameOf(message as ServerMessage, this.names) ?? '';
  }

  fromJson(json: string): Frame {
    return this.encode(JSON.parse(json) as object);
  }

  batch(): Frame {
    throw new Error('legacy sockets never take batches');
  }

  /** The original clients knew no 4001: a replaced one gets `98`, then a normal close. */
  closeCode(code: number): number {
    return code === CloseCode.REPLACED ? CloseCode.NORMAL : code;
  }
}

export function rawText(data: WebSocket.RawData): string {
  return Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8');
}
