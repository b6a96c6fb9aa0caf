import {
  attachTraces,
  decodeStreamMessage,
  encodeStreamBatch,
  encodeStreamEvent,
  TRACE_HEADER,
  traceHeader,
} from './stream-messages';

describe('stream messages', () => {
  it('carry the event JSON untouched behind the head line, newlines and all', () => {
    const json = JSON.stringify({ type: 'said', text: 'two\nlines' });
    const e = { origin: 'i-1', roomId: '7', seq: 42, json };
    expect(decodeStreamMessage(encodeStreamEvent(e))).toEqual([e]);
  });

  it.each([
    ['no head line', '{"type":"moved"}'],
    ['a head that is not JSON', 'nope\n{}'],
    ['a head of the wrong length', '["i-1","7"]\n{}'],
    ['a head of the wrong types', '["i-1",7,"42"]\n{}'],
  ])('are refused with %s', (_, body) => {
    expect(decodeStreamMessage(Buffer.from(body))).toBeNull();
  });

  it("carry the event's epoch in the head, v1 and v2 alike; a head without one reads as before", () => {
    const one = { origin: 'i-1', roomId: '7', seq: 1, json: '{"type":"moved"}', epoch: 'e2' };
    expect(decodeStreamMessage(encodeStreamEvent(one))).toEqual([one]);
    const batch = [
      { roomId: 'r1', seq: 1, json: '{"type":"moved"}', epoch: 'e2' },
      { roomId: 'r2', seq: 5, json: '{"type":"left"}' },
    ];
    expect(decodeStreamMessage(encodeStreamBatch('i-1', batch))).toEqual(batch.map((e) => ({ ...e, origin: 'i-1' })));
    expect(decodeStreamMessage(Buffer.from('["i-1","7",1,5]\n{}'))).toBeNull();
  });

  it('v1 (what older releases write) still decodes, its time from the message timestamp', () => {
    const body = encodeStreamEvent({ origin: 'old', roomId: 'r', seq: 3, json: '{"type":"moved"}' });
    expect(decodeStreamMessage(body, 1000)).toEqual([
      { origin: 'old', roomId: 'r', seq: 3, json: '{"type":"moved"}', at: 1000 },
    ]);
    expect(decodeStreamMessage(body)).toEqual([{ origin: 'old', roomId: 'r', seq: 3, json: '{"type":"moved"}' }]);
  });

  it('a v2 batch splits back into its events, bytes untouched (multi-byte text included), times restored', () => {
    const events = [
      { roomId: 'r1', seq: 1, json: '{"type":"entered","name":"Zoë 🐱"}', at: 1005 },
      { roomId: 'r2', seq: 9, json: JSON.stringify({ type: 'said', text: 'a\nb' }), at: 1000 },
      { roomId: 'r1', seq: 2, json: '{"type":"moved"}', at: 1007 },
    ];
    const decoded = decodeStreamMessage(encodeStreamBatch('i-2', events, 1000), 1000);
    expect(decoded).toEqual(events.map((e) => ({ origin: 'i-2', ...e })));
  });

  it.each([
    ['a batch whose lengths overrun the body', '[2,"i",[["r",1,99,0]]]\n{}'],
    ['a batch with bytes left over', '[2,"i",[["r",1,2,0]]]\n{}{}'],
    ['a batch entry of the wrong shape', '[2,"i",[["r",1,2]]]\n{}'],
    ['a batch without an origin', '[2,7,[["r",1,2,0]]]\n{}'],
  ])('are refused with %s', (_, body) => {
    expect(decodeStreamMessage(Buffer.from(body))).toBeNull();
  });

  describe('trace context header', () => {
    const tp = (n: number) => `00-${'a'.repeat(31)}${n}-${'b'.repeat(15)}${n}-01`;

    it('gives each traced event of a batch its producer context, and none to the others', () => {
      const events = [
        { roomId: 'r', seq: 1, json: '{}', trace: tp(1) },
        { roomId: 'r', seq: 2, json: '{}' },
        { roomId: 's', seq: 9, json: '{}', trace: tp(3) },
      ];
      const headers = traceHeader(events)!;
      const decoded = decodeStreamMessage(encodeStreamBatch('i-1', events))!;
      attachTraces(decoded, headers);
      expect(decoded.map((e) => e.trace)).toEqual([tp(1), undefined, tp(3)]);
    });

    it('is absent when no event is traced, and a message without it (an older release) decodes as before', () => {
      const events = [{ roomId: 'r', seq: 1, json: '{}' }];
      expect(traceHeader(events)).toBeUndefined();
      const decoded = decodeStreamMessage(encodeStreamEvent({ ...events[0], origin: 'old' }))!;
      attachTraces(decoded, undefined);
      attachTraces(decoded, { 'x-stream-offset': 5 });
      expect(decoded).toEqual([{ origin: 'old', roomId: 'r', seq: 1, json: '{}' }]);
    });

    it('ignores malformed entries', () => {
      const decoded = decodeStreamMessage(encodeStreamEvent({ origin: 'o', roomId: 'r', seq: 1, json: '{}' }))!;
      attachTraces(decoded, { [TRACE_HEADER]: 'x,7=abc,=1' });
      attachTraces(decoded, { [TRACE_HEADER]: { 0: tp(1) } });
      expect(decoded[0].trace).toBeUndefined();
    });
  });
});
