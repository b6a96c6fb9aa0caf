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
  /** Watch the room's past from this point instead of entering it. */
  replay?: ReplayFrom;
  /** The replay's pace, 1-16. */
  speed?: number;
}

export type ReplayFrom = { seq: number } | { time: string };

export const DEFAULT_URL = 'ws://localhost:3000/ws';

export const USAGE = `usage: npm run client -- --room <roomId> [--url ${DEFAULT_URL}]
                         (--token <jwt> | --user <userId> [--name <display name>])
                         [--spectator] [--replay <seq|time> [--speed <1-16>]] [--lines]

  --room       the room to enter (a room's id is its owner's user id: 1-10 in the demo data)
  --url        the server's WebSocket endpoint (default ${DEFAULT_URL})
  --token      a token from \`npm run token -- <userId>\`
  --user       mint a token here instead, with JWT_SECRET (or the development secret when
               it is unset): only works when this shell's JWT_SECRET is the server's
  --name       display name for --user (default user<userId>)
  --spectator  watch without an avatar
  --replay     watch the room's past instead, from a seq (e.g. 120) or an ISO-8601 time
               (e.g. 2025-01-02T03:04:05Z), as it happened; type leave to stop
  --speed      the replay's pace, 1 (as it happened) to 16 times as fast (default 1)
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
        replay: { type: 'string' },
        speed: { type: 'string' },
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
  const replay = values.replay === undefined ? undefined : parseReplayFrom(values.replay);
  if (replay === null)
    return { ok: false, error: '--replay takes a seq (e.g. 120) or an ISO-8601 time (e.g. 2025-01-02T03:04:05Z)' };
  const speed = values.speed === undefined ? undefined : Number(values.speed);
  if (speed !== undefined && !(speed >= 1 && speed <= 16)) return { ok: false, error: '--speed takes 1 to 16' };
  if (speed !== undefined && !replay) return { ok: false, error: '--speed only goes with --replay' };
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
      ...(replay ? { replay } : {}),
      ...(speed !== undefined ? { speed } : {}),
    },
  };
}

/** `120` is a seq, anything else must be an ISO-8601 time with a date and a time of day; null: neither. */
export function parseReplayFrom(text: string): ReplayFrom | null {
  if (/^\d+$/.test(text)) return { seq: Number(text) };
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(text) && !Number.isNaN(Date.parse(text))) {
    // The server wants an explicit offset: a time without one is this machine's local time.
    return { time: /(Z|[+-]\d\d:\d\d)$/i.test(text) ? text : new Date(text).toISOString() };
  }
  return null;
}
