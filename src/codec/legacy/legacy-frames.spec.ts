import { formatLegacyFrame, LegacyCode, parseLegacyFrame } from './legacy-frames';

const ok = (text: string) => {
  const parsed = parseLegacyFrame(text);
  if (!parsed.ok) throw new Error(`refused: ${parsed.message}`);
  return parsed.request;
};
const refusal = (text: string) => {
  const parsed = parseLegacyFrame(text);
  if (parsed.ok) throw new Error(`accepted: ${JSON.stringify(parsed.request)}`);
  return parsed.message;
};

describe('legacy frames: client → server', () => {
  it('reads an enter with the room id as a string or a number, and the token bare or as a Bearer value', () => {
    expect(ok('10{"room_id":"1","authorization":"a.b.c"}')).toEqual({
      type: 'legacy.enter',
      roomId: '1',
      token: 'a.b.c',
    });
    expect(ok('10{"room_id":7,"authorization":"Bearer a.b.c"}')).toEqual({
      type: 'legacy.enter',
      roomId: '7',
      token: 'a.b.c',
    });
  });

  it.each([
    [0, 'up'],
    [1, 'right'],
    [2, 'down'],
    [3, 'left'],
  ])('reads direction %i as %s', (direction, dir) => {
    expect(ok(`20{"direction":${direction}}`)).toEqual({ type: 'move', dir });
  });

  it('reads SYNC and leave with an empty object or no body at all', () => {
    expect(ok('11{}')).toEqual({ type: 'legacy.sync' });
    expect(ok('19{}')).toEqual({ type: 'legacy.leave' });
    expect(ok('19')).toEqual({ type: 'legacy.leave' });
  });

  it('reads a desired map in the original shape, lists optional', () => {
    const map = {
      side: 20,
      games: { '3': { name: 'Chess', x: 4, y: 4 } },
      objects: { w1: { name: 'wall', x: 1, y: 0 } },
    };
    expect(ok(`40${JSON.stringify({ map })}`)).toEqual({ type: 'legacy.build', map });
    expect(ok('40{"map":{"side":20}}')).toEqual({ type: 'legacy.build', map: { side: 20, games: {}, objects: {} } });
  });

  it.each([
    ['', 'a frame starts with a 2-digit code'],
    ['x{}', 'a frame starts with a 2-digit code'],
    ['55{}', 'unknown code 55'],
    ['20{"direction":', '20: the payload is not valid JSON'],
    ['20[1]', '20: the payload must be a JSON object'],
    ['20{"direction":4}', 'direction: Too big'],
    ['20{"direction":"up"}', 'direction: Invalid input: expected number'],
    ['20{}', 'direction:'],
    ['10{"room_id":"a b","authorization":"t"}', 'room_id'],
    ['10{"room_id":"1"}', 'authorization:'],
    ['40{"map":{"side":20,"games":{"x":{"x":1,"y":1}}}}', 'map.games.x'],
    ['40{"map":{"side":20,"objects":{"w":{"name":"wall","x":-1,"y":0}}}}', 'map.objects.w.x'],
  ])('refuses %j, naming what is wrong', (text, message) => {
    expect(refusal(text)).toContain(message);
  });

  it('does not take inherited names for codes', () => {
    expect(refusal('__proto__')).toBe('a frame starts with a 2-digit code');
  });
});

describe('legacy frames: server → client', () => {
  it('writes the code then the JSON payload', () => {
    expect(formatLegacyFrame(LegacyCode.MOVE, { user_id: '3', direction: 1, x: 4, y: 2 })).toBe(
      '20{"user_id":"3","direction":1,"x":4,"y":2}',
    );
  });
});
