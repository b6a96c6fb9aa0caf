import { parseCliArgs, parseReplayFrom } from './args';

describe('terminal arguments', () => {
  const base = ['--room', '3', '--user', '3'];

  it('--replay takes a seq or an ISO-8601 time; --speed goes with it', () => {
    expect(parseCliArgs([...base, '--replay', '120', '--speed', '4'])).toMatchObject({
      ok: true,
      args: { replay: { seq: 120 }, speed: 4 },
    });
    expect(parseCliArgs([...base, '--replay', '2025-01-02T03:04:05Z'])).toMatchObject({
      ok: true,
      args: { replay: { time: '2025-01-02T03:04:05Z' } },
    });
    expect(parseCliArgs([...base, '--replay', 'soon'])).toMatchObject({ ok: false });
    expect(parseCliArgs([...base, '--replay', '1', '--speed', '17'])).toMatchObject({ ok: false });
    expect(parseCliArgs([...base, '--speed', '2'])).toMatchObject({
      ok: false,
      error: expect.stringMatching(/--replay/),
    });
    expect(parseCliArgs(base)).toMatchObject({ ok: true, args: { room: '3' } });
  });

  it('a time without an offset is read as local time and sent with one', () => {
    const from = parseReplayFrom('2025-01-02T03:04:05');
    expect(from).toEqual({ time: new Date('2025-01-02T03:04:05').toISOString() });
    expect(parseReplayFrom('2025-01-02T03:04:05+02:00')).toEqual({ time: '2025-01-02T03:04:05+02:00' });
    expect(parseReplayFrom('12a')).toBeNull();
    expect(parseReplayFrom('2025-13-45T99:99')).toBeNull();
  });
});
