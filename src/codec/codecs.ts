import {
  BATCH_SUBPROTOCOL,
  MSGPACK_BATCH_SUBPROTOCOL,
  MSGPACK_SUBPROTOCOL,
  PROTOCOL_SUBPROTOCOL,
} from '../protocol/messages';
import { jsonCodec } from './json-codec';
import { msgpackCodec } from './msgpack-codec';
import type { WireCodec } from './wire-codec';

/** What a negotiated subprotocol means for a socket: its codec, and whether its room events come batched. */
export interface WireFormat {
  codec: WireCodec;
  batched: boolean;
}

interface Subprotocol {
  protocol: string;
  format: WireFormat;
  /** Selected only when `myroom.v1` is offered beside it (how `myroom.v1.batch` was first specified). */
  withV1?: boolean;
}

/**
 * Our subprotocols, most preferred first: the handshake selects the first one the client offered
 * (auth/handshake.ts), and a session reads its wire format from the one selected. A client that
 * offers MessagePack gets it over JSON (it said it can read it, and it is the smaller); batching
 * composes with either codec, through a subprotocol of its own for each.
 */
const SUBPROTOCOLS: readonly Subprotocol[] = [
  { protocol: MSGPACK_BATCH_SUBPROTOCOL, format: { codec: msgpackCodec, batched: true } },
  { protocol: MSGPACK_SUBPROTOCOL, format: { codec: msgpackCodec, batched: false } },
  { protocol: BATCH_SUBPROTOCOL, format: { codec: jsonCodec, batched: true }, withV1: true },
  { protocol: PROTOCOL_SUBPROTOCOL, format: { codec: jsonCodec, batched: false } },
];

const PLAIN_JSON: WireFormat = { codec: jsonCodec, batched: false };

/** The subprotocol to answer an upgrade with, among those offered; false: none of ours. */
export function selectSubprotocol(offered: ReadonlySet<string>): string | false {
  const chosen = SUBPROTOCOLS.find((p) => offered.has(p.protocol) && (!p.withV1 || offered.has(PROTOCOL_SUBPROTOCOL)));
  return chosen?.protocol ?? false;
}

/** Whether the client offered one of ours that we would select (then a `bearer.<jwt>` beside it is its token). */
export function offersOurSubprotocol(offered: readonly string[]): boolean {
  return selectSubprotocol(new Set(offered)) !== false;
}

/** The wire format of a socket, by its selected subprotocol (none, as in tests: plain JSON). */
export function wireFormat(protocol: string): WireFormat {
  return SUBPROTOCOLS.find((p) => p.protocol === protocol)?.format ?? PLAIN_JSON;
}
