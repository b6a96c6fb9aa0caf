import { logEntry } from './redis-room-reads';

describe('a room log entry', () => {
  it('is the time it was logged, then the event text as clients get it', () => {
    const json = '{"type":"moved","roomId":"r","seq":7,"userId":"u|1","x":1,"y":2,"dir":"right"}';
    expect(logEntry(`1764547200123|${json}`)).toEqual({ json, at: 1764547200123 });
  });

  it('without a time when it is the bare event text (as builds that kept times apart wrote it)', () => {
    const json = '{"type":"left","roomId":"r","seq":8,"userId":"u","reason":"leave"}';
    expect(logEntry(json)).toEqual({ json });
  });
});
