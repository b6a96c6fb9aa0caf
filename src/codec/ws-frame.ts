/**
 * A whole WebSocket frame as the server sends it (RFC 6455 §5.2): one final, unmasked text or
 * binary frame, header and payload in one Buffer.
 *
 * Why: a room event goes to every socket of its room. `ws.send` frames it again for each socket
 * and writes header and payload as two chunks; a frame made once (event-frames.ts) is written to
 * each socket's TCP stream as one chunk. That saves both the per-socket framing and one iovec per
 * frame in the `writev` of a corked socket (ClientSession.sendEvent).
 */
export function wsFrame(payload: Buffer, binary: boolean): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = FIN | (binary ? OPCODE_BINARY : OPCODE_TEXT);
  if (headerLength === 2) {
    frame[1] = length;
  } else if (headerLength === 4) {
    frame[1] = LENGTH_16;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = LENGTH_64;
    // A Buffer is far below 2^53 bytes: the high 16 bits are zero.
    frame.writeUInt16BE(0, 2);
    frame.writeUIntBE(length, 4, 6);
  }
  payload.copy(frame, headerLength);
  return frame;
}

const FIN = 0x80;
const OPCODE_TEXT = 0x1;
const OPCODE_BINARY = 0x2;
/** The 7-bit length's escapes: a 16-bit, or a 64-bit, length follows. */
const LENGTH_16 = 126;
const LENGTH_64 = 127;
