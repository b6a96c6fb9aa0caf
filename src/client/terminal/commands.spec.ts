import { parseCommand, toBuildOp } from './commands';

const map = {
  version: 3,
  width: 20,
  height: 20,
  objects: [{ id: 'g1', kind: 'game', x: 5, y: 5, w: 2, h: 2, gameId: 7 }],
};

describe('parseCommand', () => {
  it.each([
    ['move up', { kind: 'move', dir: 'up' }],
    ['  MOVE   Left ', { kind: 'move', dir: 'left' }],
    ['d', { kind: 'move', dir: 'right' }],
    ['s', { kind: 'move', dir: 'down' }],
    ['down', { kind: 'move', dir: 'down' }],
    ['move w', { kind: 'move', dir: 'up' }],
    ['build wall 3 4', { kind: 'build', spec: { op: 'place', kind: 'wall', x: 3, y: 4 } }],
    ['build game 5 5 7', { kind: 'build', spec: { op: 'place', kind: 'game', x: 5, y: 5, gameId: 7 } }],
    ['remove obj-12', { kind: 'build', spec: { op: 'remove', objectId: 'obj-12' } }],
    ['build remove obj-12', { kind: 'build', spec: { op: 'remove', objectId: 'obj-12' } }],
    ['remove 6 6', { kind: 'build', spec: { op: 'removeAt', x: 6, y: 6 } }],
    ['leave', { kind: 'leave' }],
    ['enter', { kind: 'enter' }],
    ['quit', { kind: 'quit' }],
    ['exit', { kind: 'quit' }],
    ['wait 250', { kind: 'wait', ms: 250 }],
    ['say hello  there ', { kind: 'say', text: 'hello  there' }],
    ['  SAY <script>x</script>', { kind: 'say', text: '<script>x</script>' }],
  ])('%j', (line, command) => {
    expect(parseCommand(line)).toEqual({ ok: true, command });
  });

  it('treats blank lines and # comments as nothing', () => {
    expect(parseCommand('   ')).toEqual({ ok: true, command: null });
    expect(parseCommand('# walk to the door')).toEqual({ ok: true, command: null });
  });

  it.each([
    ['fly', /unknown command "fly"/],
    ['move north', /usage: move/],
    ['move', /usage: move/],
    ['build wall 3', /usage: wall/],
    ['build wall x 4', /usage: wall/],
    ['build wall -1 4', /usage: wall/],
    ['build', /usage: wall/],
    ['remove', /usage: remove/],
    ['remove 1 2 3', /usage: remove/],
    ['quit now', /takes no arguments/],
    ['wait soon', /usage: wait/],
    ['say', /usage: say/],
    ['say    ', /usage: say/],
  ])('refuses %j in words', (line, error) => {
    const parsed = parseCommand(line);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(error);
  });
});

describe('toBuildOp', () => {
  it('passes place and remove-by-id through', () => {
    expect(toBuildOp({ op: 'place', kind: 'wall', x: 1, y: 1 }, map)).toEqual({
      op: 'place',
      kind: 'wall',
      x: 1,
      y: 1,
    });
    expect(toBuildOp({ op: 'remove', objectId: 'zz' }, map)).toEqual({ op: 'remove', objectId: 'zz' });
  });

  it('turns "remove x y" into the id of the object covering that cell, any of its cells', () => {
    expect(toBuildOp({ op: 'removeAt', x: 5, y: 5 }, map)).toEqual({ op: 'remove', objectId: 'g1' });
    expect(toBuildOp({ op: 'removeAt', x: 6, y: 6 }, map)).toEqual({ op: 'remove', objectId: 'g1' });
    expect(toBuildOp({ op: 'removeAt', x: 7, y: 6 }, map)).toEqual({ error: 'no object covers (7,6)' });
  });
});
