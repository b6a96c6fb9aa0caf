import type { Member } from '../myroom-client';
import { countObjects, type RoomView } from './room-view';
import { BUILD_HELP } from './commands';

/**
 * The TTY screen as lines of text, from data only (no terminal calls), so it can be tested.
 * Cells are two characters wide so the grid looks roughly square: ` .` free, ` #` wall, ` g`
 * game (other kinds: their initial), ` A` an avatar by its mark, ` +` several avatars on one
 * cell; yours is highlighted.
 */
export interface ScreenInput {
  /** Absent until the first `welcome`. */
  view?: RoomView;
  roomId: string;
  /** Connection state in a few words: "connecting", "connected", "closed (1006)"… */
  connection: string;
  /** Recent events and errors in plain words, oldest first. */
  events: string[];
  /** The build prompt's text while it is open. */
  prompt?: string;
  cols: number;
  rows: number;
  /** ANSI highlight for your avatar; without it your mark gets a `*` before it. */
  color: boolean;
}

const PANEL_MIN = 28;
const MARK_POOL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split('');
const INVERSE = '\x1b[7;1m';
const RESET = '\x1b[0m';

export function renderScreen(s: ScreenInput): string[] {
  const cols = Math.max(s.cols, 40);
  const v = s.view;
  const marks = avatarMarks(v?.members ?? []);
  const header = [fit(headerLine(s), cols), fit(v ? youLine(v, marks) : 'waiting for the room...', cols)];
  const footer = [
    fit(helpLine(s), cols),
    s.prompt !== undefined ? fit(`build> ${s.prompt}_   (Enter: build, Esc: cancel)`, cols) : '',
  ];
  const bodyRows = Math.max(s.rows - header.length - footer.length, 1);

  let body: string[];
  if (!v) {
    body = wrap(s.events, cols).slice(-bodyRows);
  } else {
    // A grid row is "  y |" + two characters a cell + " |"; the panel goes beside it when it fits.
    const sideBySide = Math.floor((cols - 9 - PANEL_MIN) / 2) >= Math.min(v.map.width, 10);
    const gridCols = Math.min(v.map.width, Math.floor((sideBySide ? cols - 9 - PANEL_MIN : cols - 7) / 2));
    const rulerRows = v.map.width > 10 ? 2 : 1;
    const gridRows = Math.min(v.map.height, Math.max(bodyRows - rulerRows - 2, 3));
    const grid = renderGrid(v, marks, gridCols, gridRows, s.color);
    const gridWidth = 2 * gridCols + 7;
    const panelWidth = sideBySide ? cols - gridWidth - 2 : cols;
    const members = memberLines(v, marks).map((l) => fit(l, panelWidth));
    const panelRoom = (sideBySide ? bodyRows : Math.max(bodyRows - grid.length, 0)) - members.length - 1;
    const events =
      panelRoom > 1
        ? [
            'events:',
            ...wrap(s.events, panelWidth - 1)
              .map((l) => ' ' + l)
              .slice(-(panelRoom - 1)),
          ]
        : [];
    const panel = [...members, '', ...events];
    if (sideBySide) {
      body = Array.from(
        { length: Math.max(grid.length, panel.length) },
        (_, i) => (grid[i] ?? ' '.repeat(gridWidth)) + '  ' + (panel[i] ?? ''),
      );
    } else {
      body = [...grid, ...panel];
    }
    body = body.slice(0, bodyRows);
  }
  return [...header, ...body, ...footer];
}

/**
 * One character per avatar: the name's initial when no one else shares it, else the last
 * character of the user id (user1 and user2 become 1 and 2), else a free letter.
 */
export function avatarMarks(members: readonly Member[]): Map<string, string> {
  const initial = (m: Member) => (/[A-Za-z0-9]/.exec(m.name)?.[0] ?? '?').toUpperCase();
  const counts = new Map<string, number>();
  for (const m of members) counts.set(initial(m), (counts.get(initial(m)) ?? 0) + 1);
  const reserved = new Set([...counts].filter(([, n]) => n === 1).map(([c]) => c));
  const taken = new Set<string>();
  const marks = new Map<string, string>();
  for (const m of [...members].sort((a, b) => a.userId.localeCompare(b.userId, 'en', { numeric: true }))) {
    const own = initial(m);
    const mark = reserved.has(own)
      ? own
      : ([m.userId.slice(-1).toUpperCase(), ...MARK_POOL].find(
          (c) => /[A-Z0-9]/.test(c) && !taken.has(c) && !reserved.has(c),
        ) ?? '?');
    taken.add(mark);
    marks.set(m.userId, mark);
  }
  return marks;
}

/** The visible part of the map (centred on you when it does not all fit), with rulers and a frame. */
function renderGrid(
  v: RoomView,
  marks: Map<string, string>,
  gridCols: number,
  gridRows: number,
  color: boolean,
): string[] {
  const me = v.members.find((m) => m.userId === v.you.userId);
  const x0 = origin(me?.x ?? 0, gridCols, v.map.width);
  const y0 = origin(me?.y ?? 0, gridRows, v.map.height);
  const xs = Array.from({ length: gridCols }, (_, i) => x0 + i);

  const cells: string[][] = Array.from({ length: gridRows }, () => Array<string>(gridCols).fill(' .'));
  const put = (x: number, y: number, text: string) => {
    if (x >= x0 && x < x0 + gridCols && y >= y0 && y < y0 + gridRows) cells[y - y0][x - x0] = text;
  };
  for (const o of v.map.objects) {
    const glyph = o.kind === 'wall' ? ' #' : ` ${(o.kind[0] ?? '?').toLowerCase()}`;
    for (let y = o.y; y < o.y + o.h; y++) for (let x = o.x; x < o.x + o.w; x++) put(x, y, glyph);
  }
  const byCell = new Map<string, Member[]>();
  for (const m of v.members) byCell.set(`${m.x},${m.y}`, [...(byCell.get(`${m.x},${m.y}`) ?? []), m]);
  for (const here of byCell.values()) {
    const mark = here.length > 1 ? '+' : (marks.get(here[0].userId) ?? '?');
    const mine = here.some((m) => m.userId === v.you.userId);
    put(here[0].x, here[0].y, mine ? (color ? ` ${INVERSE}${mark}${RESET}` : `*${mark}`) : ` ${mark}`);
  }

  const rulers = [xs.map((x) => ` ${x % 10}`).join('')];
  if (v.map.width > 10)
    rulers.unshift(xs.map((x) => (x % 10 === 0 || x === x0 ? ` ${Math.floor(x / 10) % 10}` : '  ')).join(''));
  const frame = '    +' + '-'.repeat(2 * gridCols + 1) + '+';
  return [
    ...rulers.map((r) => ('     ' + r).padEnd(2 * gridCols + 7)),
    frame,
    ...cells.map((row, i) => `${String(y0 + i).padStart(3)} |${row.join('')} |`),
    frame,
  ];
}

function origin(at: number, visible: number, size: number): number {
  return Math.min(Math.max(at - Math.floor(visible / 2), 0), Math.max(size - visible, 0));
}

function headerLine(s: ScreenInput): string {
  const v = s.view;
  const parts = [`My Room | room ${v?.roomId ?? s.roomId}`, s.connection];
  if (v) parts.push(`seq ${v.seq}`, `map v${v.map.version} ${v.map.width}x${v.map.height}, ${countObjects(v.map)}`);
  return parts.join(' | ');
}

function youLine(v: RoomView, marks: Map<string, string>): string {
  const me = v.members.find((m) => m.userId === v.you.userId);
  const what =
    v.you.role === 'spectator' ? 'spectating' : me ? `[${marks.get(me.userId)}] at (${me.x},${me.y})` : 'not placed';
  const stale = v.missedEvents ? ' | some events were missed: positions may be stale until the next build' : '';
  return `you: ${me?.name ?? `user ${v.you.userId}`}${v.you.owner ? ', owner' : ''}, ${what}${stale}`;
}

function memberLines(v: RoomView, marks: Map<string, string>): string[] {
  const spectators = v.spectators > 0 ? `, ${v.spectators} watching` : '';
  const lines = [`members (${v.members.length}${spectators}):`];
  for (const m of v.members) {
    const notes = [m.userId === v.you.userId ? 'you' : '', m.userId === v.roomId ? 'owner' : ''].filter(Boolean);
    lines.push(` ${marks.get(m.userId)} ${m.name} (${m.x},${m.y})${notes.length ? ' ' + notes.join(', ') : ''}`);
  }
  return lines;
}

function helpLine(s: ScreenInput): string {
  if (s.prompt !== undefined) return `build ${BUILD_HELP}`;
  const keys = s.view?.you.role === 'spectator' ? [] : ['W/A/S/D or arrows: move'];
  if (s.view?.you.owner) keys.push('b: build');
  return [...keys, 'q: quit'].join(' | ');
}

function fit(line: string, width: number): string {
  return line.length <= width ? line : line.slice(0, Math.max(width - 3, 0)) + '...';
}

/** Each text broken into lines of at most `width` characters, at spaces where possible. */
function wrap(texts: readonly string[], width: number): string[] {
  const w = Math.max(width, 10);
  const out: string[] = [];
  for (const text of texts) {
    let rest = text;
    while (rest.length > w) {
      const cut = rest.lastIndexOf(' ', w);
      const at = cut > w / 2 ? cut : w;
      out.push(rest.slice(0, at));
      rest = rest.slice(at).trimStart();
    }
    out.push(rest);
  }
  return out;
}
