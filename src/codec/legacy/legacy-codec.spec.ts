import { CloseCode } from '../../protocol/close-codes';
import { BadRequestError } from '../../protocol/errors';
import { LegacyCodec } from './legacy-codec';

const codec = new LegacyCodec(new Map([[2, 'Go']]));

describe('LegacyCodec', () => {
  it('decodes 20 to a v1 move and the rest to legacy requests; refuses binary frames', () => {
    expect(codec.decode(Buffer.from('20{"direction":0}'), false)).toEqual({
      ok: true,
      message: { type: 'move', dir: 'up' },
      requestId: undefined,
    });
    expect(codec.decode([Buffer.from('1'), Buffer.from('1{}')], false)).toMatchObject({
      ok: true,
      message: { type: 'legacy.sync' },
    });
    const binary = codec.decode(Buffer.from('20{"direction":0}'), true);
    expect(binary).toMatchObject({ ok: false, error: expect.any(BadRequestError) });
  });

  it('encodes v1 messages and events as legacy frames, and what it has no word for as an empty frame', () => {
    expect(codec.fromJson('{"type":"left","roomId":"1","seq":3,"userId":"9","reason":"leave"}')).toBe(
      '19{"user_id":"9"}',
    );
    expect(codec.encode({ type: 'error', code: 'NOT_IN_ROOM', message: 'enter a room first' })).toBe(
      '99{"message":"NOT_IN_ROOM: enter a room first"}',
    );
    expect(codec.encode({ type: 'ack', id: 'a' })).toBe('');
  });

  it('closes a replaced socket normally (after its 98) and keeps the other close codes', () => {
    expect(codec.closeCode(CloseCode.REPLACED)).toBe(CloseCode.NORMAL);
    expect(codec.closeCode(CloseCode.POLICY_VIOLATION)).toBe(CloseCode.POLICY_VIOLATION);
    expect(codec.format).toEqual({ codec, batched: false });
  });
});
