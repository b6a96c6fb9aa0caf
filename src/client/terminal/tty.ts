import { emitKeypressEvents } from 'node:readline';
import type { Direction } from '../myroom-client';
import { KEY_DIRECTIONS, parseBuild } from './commands';
import { renderScreen } from './render';
import type { TerminalSession } from './session';

interface Key {
  name?: string;
  ctrl?: boolean;
  meta?: boolean;
}

const ARROWS: Readonly<Record<string, Direction>> = { up: 'up', down: 'down', left: 'left', right: 'right' };
/** Holding a key repeats it faster than moves are confirmed: keep at most this many queued. */
const MAX_MOVE_BACKLOG = 2;
const SHOWN_NOTES = 30;

const ALT_SCREEN_ON = '\x1b[?1049h\x1b[?25l';
const ALT_SCREEN_OFF = '\x1b[?25h\x1b[?1049l';

/**
 * The interactive front end: raw-mode keys, and a full-screen view redrawn whenever something
 * changes. Resolves with the exit code, after the terminal is put back the way it was.
 */
export async function runTty(
  session: TerminalSession,
  input: NodeJS.ReadStream,
  output: NodeJS.WriteStream,
): Promise<number> {
  let prompt: string | undefined;
  let drawPending = false;
  const color = !process.env.NO_COLOR && output.hasColors?.() !== false;

  const draw = () => {
    drawPending = false;
    const lines = renderScreen({
      view: session.view,
      roomId: session.roomId,
      connection: session.connection,
      events: session.notes.slice(-SHOWN_NOTES).map((n) => n.text),
      prompt,
      cols: output.columns || 80,
      rows: output.rows || 24,
      color,
    });
    // Home, each line cleared to its end, then everything below cleared: no flicker.
    output.write('\x1b[H' + lines.map((l) => l + '\x1b[K').join('\n') + '\x1b[J');
  };
  const redraw = () => {
    if (drawPending) return;
    drawPending = true;
    setImmediate(draw);
  };

  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    if (input.isRaw) input.setRawMode(false);
    input.pause();
    output.write(ALT_SCREEN_OFF);
  };
  // Whatever ends the process, the terminal gets its cursor, echo and scrollback back; a signal
  // (raw mode turns Ctrl-C into a key, but `kill` still sends them) leaves the room first.
  process.once('exit', restore);
  const onSignal = () => void session.quit();
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const sig of signals) process.on(sig, onSignal);

  const onKey = (str: string | undefined, key: Key = {}) => {
    if (prompt !== undefined) {
      if (key.name === 'return' || key.name === 'enter') {
        const parsed = parseBuild(prompt.trim().split(/\s+/).filter(Boolean));
        prompt = undefined;
        if (!parsed.ok) session.tell(parsed.error);
        else if (parsed.command) void session.run(parsed.command);
      } else if (key.name === 'escape' || (key.ctrl && key.name === 'c')) {
        prompt = undefined;
      } else if (key.name === 'backspace') {
        prompt = prompt.slice(0, -1);
      } else if (str && str.length === 1 && str >= ' ' && !key.ctrl && !key.meta) {
        prompt += str;
      }
      return redraw();
    }
    if ((key.ctrl && key.name === 'c') || str === 'q' || str === 'Q') {
      void session.quit();
      return;
    }
    const dir = ARROWS[key.name ?? ''] ?? (str ? KEY_DIRECTIONS[str.toLowerCase()] : undefined);
    if (dir && !key.ctrl && !key.meta) {
      if (session.backlog < MAX_MOVE_BACKLOG) void session.run({ kind: 'move', dir });
      return;
    }
    if (str === 'b' || str === 'B') {
      prompt = '';
      redraw();
    }
  };

  output.write(ALT_SCREEN_ON);
  emitKeypressEvents(input);
  input.setRawMode(true);
  input.resume();
  input.on('keypress', onKey);
  output.on('resize', redraw);
  session.onChange = redraw;
  draw();

  const problem = await session.start();
  if (problem) {
    await session.quit();
    restore();
    process.stderr.write(`could not enter room ${session.roomId}: ${problem}\n`);
    return 1;
  }
  const closed = await session.closed;
  restore();
  input.off('keypress', onKey);
  output.off('resize', redraw);
  for (const sig of signals) process.off(sig, onSignal);
  if (closed.expected) {
    output.write(`left room ${session.roomId}\n`);
    return 0;
  }
  // The screen is gone: keep the last few things that happened in the scrollback.
  const last = session.notes
    .slice(-6, -1)
    .map((n) => `  ${n.text}\n`)
    .join('');
  process.stderr.write(`${last}connection closed: ${closed.words}\n`);
  return 1;
}
