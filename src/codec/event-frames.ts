import { type Frame, shareable, type WireCodec } from './wire-codec';
import { wsFrame } from './ws-frame';

/**
 * One room event on its way to a channel's sockets, encoded lazily once per codec in use there:
 * every socket of a codec gets the same frame, and a codec nobody in the room speaks costs
 * nothing. `shared`: more than one socket may take it, so the frame is made bytes once (see
 * `shareable`) instead of letting `ws` encode a string per socket.
 */
export class EventFrames {
  private readonly frames: (Frame | undefined)[] = [];
  private readonly wire: (Buffer | undefined)[] = [];

  constructor(
    readonly json: string,
    private readonly shared: boolean,
  ) {}

  for(codec: WireCodec): Frame {
    let frame = this.frames[codec.slot];
    if (frame === undefined) {
      frame = codec.fromJson(this.json);
      if (this.shared) frame = shareable(frame);
      this.frames[codec.slot] = frame;
    }
    return frame;
  }

  /**
   * The same, as a whole WebSocket frame (ws-frame.ts), made once for every socket of the codec
   * that writes its frames to TCP itself. Empty where `for` is: the codec has no word for it.
   */
  wireFor(codec: WireCodec): Buffer {
    let wire = this.wire[codec.slot];
    if (wire === undefined) {
      const frame = this.for(codec);
      wire = frame.length === 0 ? NOTHING : wsFrame(shareable(frame), codec.binary);
      this.wire[codec.slot] = wire;
    }
    return wire;
  }
}

const NOTHING = Buffer.alloc(0);
