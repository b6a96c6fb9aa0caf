import type WebSocket from 'ws';
import type { BadRequestError } from '../protocol/errors';
import type { ClientMessage } from '../protocol/messages';

/** A frame as `ws` sends it: text for JSON, bytes for a binary codec (or JSON's bytes, shared by a room). */
export type Frame = string | Buffer;

/**
 * A request only one codec's dialect has (the original clients' `40` whole-map build, codec/legacy),
 * routed by its `type` to that dialect's gateway like any message. v1 types have no dot, so the
 * two never meet.
 */
export interface DialectRequest {
  type: `${string}.${string}`;
}
export type DecodedMessage = ClientMessage | DialectRequest;

/** A frame turned into one validated client message, or the BAD_REQUEST that answers it. */
export type DecodedFrame<M extends DecodedMessage = ClientMessage> =
  | { ok: true; message: M; requestId: string | undefined }
  | { ok: false; error: BadRequestError; requestId: string | undefined };

/**
 * How one socket's frames look on the wire (PROTOCOL.md, "Codecs"). The room service deals in
 * messages only; a session decodes what its client sends and encodes what it is sent through
 * its codec, picked by the subprotocol negotiated in the handshake (codecs.ts).
 *
 * Room events reach a session already serialized as JSON (that is how the room log and the
 * fan-out carry them), so a codec turns JSON text into its frame (`fromJson`) rather than
 * re-encoding an object; a channel does that once per event and codec (event-frames.ts).
 */
export interface WireCodec {
  readonly name: string;
  /** A small number, unique per codec: the slot of this codec's frame in an event's cache. */
  readonly slot: number;
  /** Whether its frames go out as binary WebSocket frames. */
  readonly binary: boolean;
  /** Never throws: any input is one valid message or a BAD_REQUEST. */
  decode(data: WebSocket.RawData, isBinary: boolean): DecodedFrame<DecodedMessage>;
  /** The `id` of a frame refused before it is decoded (rate limit, full queue), when it is cheap to find. */
  peekRequestId(data: WebSocket.RawData, isBinary: boolean): string | undefined;
  /**
   * A server message built here (welcome, ack, error…). An empty frame: this codec's clients have
   * no such message (the original clients know no `ack`), and nothing is sent.
   */
  encode(message: object): Frame;
  /** A server message already serialized as JSON (room events, replies to a move). */
  fromJson(json: string): Frame;
  /** One frame carrying several room events (the `batch` of PROTOCOL.md §1), each given as JSON. */
  batch(jsons: readonly string[]): Frame;
  /** The close code its clients expect in place of a v1 one, for a codec whose clients predate ours. */
  closeCode?(code: number): number;
}

/**
 * A frame that goes to many sockets, as bytes: `ws` would otherwise encode a string to UTF-8
 * once per socket, while the same Buffer is written to each of them as it is.
 */
export function shareable(frame: Frame): Buffer {
  return typeof frame === 'string' ? Buffer.from(frame) : frame;
}
