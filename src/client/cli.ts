/**
 * A terminal client for trying the server by hand (`npm run client -- --room 1 --user 1`):
 * a live ASCII view with W/A/S/D on a terminal, or line commands and JSON frames when piped.
 * See `--help`, and README "Try it by hand".
 */
import type { Role } from '../protocol/messages';
import { parseCliArgs, USAGE } from './terminal/args';
import { withRoomHint } from './room-hint';
import { ConnectError, connectTerminal } from './terminal/connect';
import { runLines } from './terminal/lines';
import { TerminalSession } from './terminal/session';
import { runTty } from './terminal/tty';

async function main(argv: string[]): Promise<number> {
  const parsed = parseCliArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`${parsed.error}\n\n${USAGE}\n`);
    return 2;
  }
  if ('help' in parsed) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const args = parsed.args;
  const mint = args.user !== undefined ? () => mintLocally(args.user!, args.name) : undefined;
  const token = args.token ?? (await mint!());

  let client;
  try {
    client = await connectTerminal(withRoomHint(args.url, args.room), token, mint);
  } catch (err) {
    if (!(err instanceof ConnectError)) throw err;
    process.stderr.write(`could not connect: ${err.message}\n`);
    return 1;
  }
  const role: Role = args.spectator ? 'spectator' : 'player';
  const replay = args.replay ? { from: args.replay, speed: args.speed } : undefined;
  const session = new TerminalSession(client, args.room, role, replay);
  if (!args.lines && process.stdin.isTTY && process.stdout.isTTY) return runTty(session, process.stdin, process.stdout);
  return runLines(session, client, { input: process.stdin, output: process.stdout, errors: process.stderr });
}

/**
 * `--user`: a token signed here with the JWT_SECRET this shell has (or the development secret),
 * like `npm run token`. Loaded only when asked for, as it brings the server's config along.
 */
async function mintLocally(userId: string, name?: string): Promise<string> {
  const { loadConfig } = await import('../config/config');
  const { mintToken, signingSecret } = await import('../auth/mint');
  return mintToken(signingSecret(loadConfig().auth), { userId, name: name ?? `user${userId}` });
}

main(process.argv.slice(2)).then(
  // Exit once stdout has taken everything written so far (a pipe may still be draining).
  (code) => process.stdout.write('', () => process.exit(code)),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
