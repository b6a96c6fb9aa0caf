import { parseArgs } from 'node:util';

export interface CliArgs {
  room: string;
  url: string;
  /** Exactly one of token and user. */
  token?: string;
  user?: string;
  name?: string;
  spectator: boolean;
  /** Line mode even on a terminal. */
  lines: boolean;
}

export const DEFAULT_URL = 'ws://localhost:3000/ws';

export const USAGE = `usage: npm run client -- --room <roomId> [--url ${DEFAULT_URL}]
                         (--token <jwt> | --user <userId> [--name <display name>])
                         [--spectator] [--lines]

  --room       the room to enter (a room's id is its owner's user id: 1-10 in the demo data)
  --url        the server's WebSocket endpoint (default ${DEFAULT_URL})
  --token      a token from \`npm run token -- <userId>\`
  --user       mint a token here instead, with JWT_SECRET (or the development secret when
               it is unset): only works when this shell's JWT_SECRET is the server's
  --name       display name for --user (default user<userId>)
  --spectator  watch without an avatar
  --lines      line mode even in a terminal: commands on stdin, one JSON line per server frame

On a terminal: W/A/S/D or the arrow keys walk, b opens the build prompt (owner only), q quits.
Piped: one command a line (move up|down|left|right or w/a/s/d, build wall <x> <y>,
build game <x> <y> <gameId>, remove <objectId>, remove <x> <y>, leave, enter, wait <ms>, quit);
each frame from the server is printed as one JSON line; end of input quits.`;

export type ParsedArgs = { ok: true; args: CliArgs } | { ok: true; help: true } | { ok: false; error: string };

export function parseCliArgs(argv: string[]): ParsedArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        room: { type: 'string' },
        url: { type: 'string', default: DEFAULT_URL },
        token: { type: 'string' },
        user: { type: 'string' },
        name: { type: 'string' },
        spectator: { type: 'boolean', default: false },
        lines: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  if (values.help) return { ok: true, help: true };
  if (!values.room) return { ok: false, error: 'which room? pass --room <roomId>' };
  if (values.token && values.user) return { ok: false, error: 'pass --token or --user, not both' };
  if (!values.token && !values.user)
    return {
      ok: false,
      error: 'who are you? pass --token <jwt> (from `npm run token -- <userId>`) or --user <userId>',
    };
  if (values.name && !values.user)
    return { ok: false, error: '--name only goes with --user (a token carries its own name)' };
  let protocol: string | undefined;
  try {
    protocol = new URL(values.url).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'ws:' && protocol !== 'wss:')
    return { ok: false, error: `--url must be a ws:// or wss:// URL, like ${DEFAULT_URL}` };
  return {
    ok: true,
    args: {
      room: values.room,
      url: values.url,
      token: values.token,
      user: values.user,
      name: values.name,
      spectator: values.spectator,
      lines: values.lines,
    },
  };
}
