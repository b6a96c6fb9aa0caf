import type { BuildOp, Direction, RoomMap } from '../myroom-client';

/**
 * What a person types into the terminal client, as data. The same words work on a pipe
 * (`move up`, `build wall 3 4`) and at the TTY's build prompt (`wall 3 4`, `remove 3 4`).
 */

/** One build op as typed: removing "the object at (x, y)" is resolved against the current map. */
export type BuildSpec = BuildOp | { op: 'removeAt'; x: number; y: number };

export type Command =
  | { kind: 'move'; dir: Direction }
  | { kind: 'build'; spec: BuildSpec }
  | { kind: 'enter' }
  | { kind: 'leave' }
  | { kind: 'say'; text: string }
  | { kind: 'quit' }
  | { kind: 'help' }
  | { kind: 'wait'; ms: number };

export type Parsed = { ok: true; command: Command | null } | { ok: false; error: string };

export const KEY_DIRECTIONS: Readonly<Record<string, Direction>> = { w: 'up', a: 'left', s: 'down', d: 'right' };
const DIRECTION_WORDS: Readonly<Record<string, Direction>> = {
  up: 'up',
  down: 'down',
  left: 'left',
  right: 'right',
  ...KEY_DIRECTIONS,
};

export const LINE_HELP = [
  'commands, one a line:',
  '  move up|down|left|right   (or w, a, s, d)',
  '  build wall <x> <y>        build game <x> <y> <gameId>',
  '  remove <objectId>         remove <x> <y>   (the object covering that cell)',
  '  say <text>                a chat line to everyone in the room',
  '  leave   enter   wait <ms>   quit',
].join('\n');

export const BUILD_HELP = 'wall <x> <y> | game <x> <y> <gameId> | remove <objectId> | remove <x> <y>';

/** One input line; an empty line or a `#` comment is no command at all. */
export function parseCommand(line: string): Parsed {
  const words = line.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0 || words[0].startsWith('#')) return { ok: true, command: null };
  const head = words[0].toLowerCase();
  const rest = words.slice(1);
  if (head in DIRECTION_WORDS && rest.length === 0) return ok({ kind: 'move', dir: DIRECTION_WORDS[head] });
  switch (head) {
    case 'say': {
      // The text as typed after the word, inner spacing kept; the server trims and checks its length.
      const text = line.trim().slice(words[0].length).trim();
      return text ? ok({ kind: 'say', text }) : fail('usage: say <text>');
    }
    case 'move': {
      const dir = rest.length === 1 ? DIRECTION_WORDS[rest[0].toLowerCase()] : undefined;
      return dir ? ok({ kind: 'move', dir }) : fail('usage: move up|down|left|right (or w, a, s, d)');
    }
    case 'build':
      return parseBuild(rest);
    case 'remove':
      return parseBuild(words);
    case 'enter':
    case 'leave':
    case 'quit':
    case 'help':
      return rest.length === 0 ? ok({ kind: head }) : fail(`"${head}" takes no arguments`);
    case 'exit':
      return ok({ kind: 'quit' });
    case 'wait': {
      const ms = rest.length === 1 ? toInt(rest[0]) : undefined;
      return ms !== undefined ? ok({ kind: 'wait', ms }) : fail('usage: wait <milliseconds>');
    }
    default:
      return fail(`unknown command "${words[0]}" (type help)`);
  }
}

/** The words after `build` (or typed at the build prompt): `wall 3 4`, `game 5 5 7`, `remove …`. */
export function parseBuild(words: string[]): Parsed {
  const [kind, ...args] = words;
  if (!kind) return fail(`usage: ${BUILD_HELP}`);
  if (kind.toLowerCase() === 'remove') {
    if (args.length === 1) return ok({ kind: 'build', spec: { op: 'remove', objectId: args[0] } });
    const [x, y] = args.map(toInt);
    if (args.length === 2 && x !== undefined && y !== undefined)
      return ok({ kind: 'build', spec: { op: 'removeAt', x, y } });
    return fail('usage: remove <objectId> | remove <x> <y>');
  }
  const nums = args.map(toInt);
  if ((nums.length !== 2 && nums.length !== 3) || nums.some((n) => n === undefined)) {
    return fail(`usage: ${BUILD_HELP}`);
  }
  const [x, y, gameId] = nums as number[];
  // Which kinds exist and which need a game is the server's to say: it answers INVALID_BUILD.
  return ok({
    kind: 'build',
    spec: { op: 'place', kind: kind.toLowerCase(), x, y, ...(gameId !== undefined ? { gameId } : {}) },
  });
}

/** The op to send: `removeAt` becomes the id of the object covering that cell of `map`. */
export function toBuildOp(spec: BuildSpec, map: RoomMap): BuildOp | { error: string } {
  if (spec.op !== 'removeAt') return spec;
  const hit = map.objects.find((o) => spec.x >= o.x && spec.x < o.x + o.w && spec.y >= o.y && spec.y < o.y + o.h);
  return hit ? { op: 'remove', objectId: hit.id } : { error: `no object covers (${spec.x},${spec.y})` };
}

function toInt(s: string): number | undefined {
  return /^\d{1,9}$/.test(s) ? Number(s) : undefined;
}

function ok(command: Command): Parsed {
  return { ok: true, command };
}

function fail(error: string): Parsed {
  return { ok: false, error };
}
