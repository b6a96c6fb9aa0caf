import { decodeStreamEvent, encodeStreamEvent } from './stream-messages';

describe('stream messages', () => {
  it('carry the event JSON untouched behind the head line, newlines and all', () => {
    const json = JSON.stringify({ type: 'said', text: 'two\nlines' });
    const e = { origin: 'i-1', roomId: '7', seq: 42, json };
    expect(decodeStreamEvent(encodeStreamEvent(e))).toEqual(e);
  });

  it.each([
    ['no head line', '{"type":"moved"}'],
    ['a head that is not JSON', 'nope\n{}'],
    ['a head of the wrong length', '["i-1","7"]\n{}'],
    ['a head of the wrong types', '["i-1",7,"42"]\n{}'],
  ])('are refused with %s', (_, body) => {
    expect(decodeStreamEvent(Buffer.from(body))).toBeNull();
  });
});
