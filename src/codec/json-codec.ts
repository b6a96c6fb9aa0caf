import type WebSocket from 'ws';
import { refuse, validateMessage, validId } from './validate-message';
import type { DecodedFrame, WireCodec } from './wire-codec';

/** `myroom.v1`: UTF-8 JSON text frames, one message each (PROTOCOL.md §1). */
/** Its `decode` answers v1 messages only (no dialect requests). */
export const jsonCodec: Omit<WireCodec, 'decode'> & {
  decode(data: WebSocket.RawData, isBinary: boolean): DecodedFrame;
} = {
  name: 'json',
  slot: 0,
  binary: false,

  decode(data: WebSocket.RawData, isBinary: boolean): DecodedFrame {
    if (isBinary) return refuse('binary frames are not supported on this socket; send JSON text');
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString());
    } catch {
      return refuse('frame is not valid JSON');
    }
    return validateMessage(raw);
  },

  /** Frames are at most WS_MAX_PAYLOAD bytes, so this parse is cheap. */
  peekRequestId(data: WebSocket.RawData, isBinary: boolean): string | undefined {
    if (isBinary) return undefined;
    try {
      return validId((JSON.parse(data.toString()) as { id?: unknown } | null)?.id);
    } catch {
      return undefined;
    }
  },

  encode: (message: object) => JSON.stringify(message),
  // Room events and replies are JSON already: sent as they are.
  fromJson: (json: string) => json,
  batch: (jsons: readonly string[]) => `{"type":"batch","events":[${jsons.join(',')}]}`,
};
