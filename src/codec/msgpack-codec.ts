import { type Options, Packr, Unpackr } from 'msgpackr';
import type WebSocket from 'ws';
import { refuse, validateMessage, validId } from './validate-message';
import type { DecodedFrame, WireCodec } from './wire-codec';

/**
 * Plain MessagePack, the same shapes as the JSON messages. Records (msgpackr's own extension)
 * stay off: other MessagePack libraries would not read them. A field that is `undefined` is left
 * out, as JSON.stringify leaves it out, rather than written as nil or msgpackr's undefined.
 */
// `skipValues` is in msgpackr's code and README but not (yet) in its type declarations.
const packr = new Packr({ useRecords: false, skipValues: [undefined] } as Options);
/**
 * Untrusted input: maps become plain objects (msgpackr renames a `__proto__` key, so none can
 * reach a prototype), record definitions in a frame last for that frame only (untrusted mode),
 * and whatever else an extension yields (a Date, a Set…) is simply not what a schema accepts.
 */
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, structuredClone: false });

/** `myroom.v1.msgpack`: binary frames, each one MessagePack map (PROTOCOL.md, "Codecs"). */
export const msgpackCodec: WireCodec = {
  name: 'msgpack',
  slot: 1,
  binary: true,

  decode(data: WebSocket.RawData, isBinary: boolean): DecodedFrame {
    if (!isBinary) return refuse('text frames are not supported on this socket; send MessagePack in binary frames');
    let raw: unknown;
    try {
      raw = unpackr.unpack(bytesOf(data));
    } catch {
      // Truncated or malformed bytes, trailing bytes, nesting deeper than the stack: all one answer.
      return refuse('frame is not valid MessagePack');
    }
    // Extensions decode to class instances (a Date, a Set, msgpackr's 0xC1 marker): never a message.
    if (typeof raw === 'object' && raw !== null && Object.getPrototypeOf(raw) !== Object.prototype)
      return refuse('a message must be a MessagePack map');
    return validateMessage(raw);
  },

  peekRequestId(data: WebSocket.RawData, isBinary: boolean): string | undefined {
    if (!isBinary) return undefined;
    try {
      return validId((unpackr.unpack(bytesOf(data)) as { id?: unknown } | null)?.id);
    } catch {
      return undefined;
    }
  },

  encode: (message: object) => packr.pack(message),
  fromJson: (json: string) => packr.pack(JSON.parse(json)),
  batch: (jsons: readonly string[]) =>
    packr.pack({ type: 'batch', events: jsons.map((j) => JSON.parse(j) as unknown) }),
};

/** `ws` hands over a Buffer (its default binaryType); the other forms only if that changed. */
function bytesOf(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
