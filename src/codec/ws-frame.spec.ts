import WebSocket from 'ws';
import { wsFrame } from './ws-frame';

/** ws's own framing (not in its typings): the reference our frames must equal byte for byte. */
const Sender = (WebSocket as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } }).Sender;

function wsFramed(payload: Buffer, binary: boolean): Buffer {
  return Buffer.concat(
    Sender.frame(payload, { fin: true, mask: false, opcode: binary ? 2 : 1, readOnly: false, rsv1: false }),
  );
}

describe('wsFrame', () => {
  // Each side of the three header sizes: 7-bit, 16-bit and 64-bit lengths.
  it.each([0, 1, 125, 126, 127, 65535, 65536, 70000])('frames %i bytes as ws does, text and binary', (length) => {
    const payload = Buffer.alloc(length, 'x');
    for (const binary of [false, true]) expect(wsFrame(payload, binary).equals(wsFramed(payload, binary))).toBe(true);
  });

  it('marks the frame final, unmasked, of its opcode, and carries the payload after the header', () => {
    const frame = wsFrame(Buffer.from('{"type":"moved"}'), false);
    expect(frame[0]).toBe(0x81);
    expect(frame[1]).toBe(16);
    expect(frame.subarray(2).toString()).toBe('{"type":"moved"}');
    expect(wsFrame(Buffer.from([1, 2, 3]), true)[0]).toBe(0x82);
  });
});
