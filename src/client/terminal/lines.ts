import { createInterface } from 'node:readline';
import type { MyRoomClient } from '../myroom-client';
import { LINE_HELP, parseCommand } from './commands';
import type { TerminalSession } from './session';

/**
 * The scriptable front end: commands come one a line on stdin, every frame the server sends is
 * printed to stdout as one JSON line, and what the frames do not say (bad input, a lost
 * connection) goes to stderr. End of input quits once the commands before it are done.
 * Resolves with the exit code.
 */
export async function runLines(
  session: TerminalSession,
  client: MyRoomClient,
  io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; errors: NodeJS.WritableStream },
): Promise<number> {
  // Re-serialized so that a frame is always exactly one line, whatever spacing the server used.
  client.onRaw((text) => io.output.write(JSON.stringify(JSON.parse(text)) + '\n'));
  session.onNote = (note) => {
    if (note.local) io.errors.write(note.text + '\n');
  };

  const problem = await session.start();
  if (problem) {
    io.errors.write(`could not enter room ${session.roomId}: ${problem}\n`);
    await session.quit();
    return 1;
  }

  const rl = createInterface({ input: io.input, terminal: false });
  rl.on('line', (line) => {
    const parsed = parseCommand(line);
    if (!parsed.ok) io.errors.write(parsed.error + '\n');
    else if (parsed.command?.kind === 'help') io.errors.write(LINE_HELP + '\n');
    else if (parsed.command) void session.run(parsed.command);
  });
  rl.on('close', () => void session.run({ kind: 'quit' }));

  const closed = await session.closed;
  rl.close();
  return closed.expected ? 0 : 1;
}
