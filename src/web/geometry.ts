/** Pure drawing math for the room canvas: sizes, hit testing, labels, colours. No DOM here. */
import type { Cell } from '../domain/map';
import type { MapObject } from '../protocol/messages';

/** The largest whole-pixel cell that fits the map into the space, within [min, max]. */
export function fitCellSize(mapW: number, mapH: number, spaceW: number, spaceH: number, min = 14, max = 40): number {
  if (mapW <= 0 || mapH <= 0) return min;
  const fit = Math.floor(Math.min(spaceW / mapW, spaceH / mapH));
  return Math.max(min, Math.min(max, fit));
}

/** The cell under a point in CSS pixels from the canvas's top-left corner; null outside the map. */
export function cellAt(px: number, py: number, cell: number, mapW: number, mapH: number): Cell | null {
  if (cell <= 0 || px < 0 || py < 0) return null;
  const x = Math.floor(px / cell);
  const y = Math.floor(py / cell);
  return x < mapW && y < mapH ? { x, y } : null;
}

/** The object covering a cell, if any. */
export function objectAt(objects: readonly MapObject[], c: Cell): MapObject | undefined {
  return objects.find((o) => c.x >= o.x && c.x < o.x + o.w && c.y >= o.y && c.y < o.y + o.h);
}

/**
 * Where the avatars sharing one cell stand inside it, as offsets from the cell's centre in
 * fractions of a cell, and the radius each gets: one fills the cell, more share it.
 */
export function avatarSlots(count: number): { dx: number; dy: number; r: number }[] {
  if (count <= 1) return [{ dx: 0, dy: 0, r: 0.36 }];
  if (count === 2)
    return [
      { dx: -0.23, dy: 0, r: 0.21 },
      { dx: 0.23, dy: 0, r: 0.21 },
    ];
  const slots = [
    { dx: -0.22, dy: -0.22 },
    { dx: 0.22, dy: -0.22 },
    { dx: -0.22, dy: 0.22 },
    { dx: 0.22, dy: 0.22 },
  ];
  // Past four, they stack on the last slot: the members list still names everyone.
  return Array.from({ length: count }, (_, i) => ({ ...slots[Math.min(i, 3)], r: 0.2 }));
}

/** `text` cut to fit `maxWidth` (by `measure`), ending in an ellipsis when cut. */
export function fitText(text: string, maxWidth: number, measure: (s: string) => number): string {
  if (measure(text) <= maxWidth) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (measure(text.slice(0, mid).trimEnd() + '…') <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? '…' : text.slice(0, lo).trimEnd() + '…';
}

/** Words into at most `maxLines` lines of `maxWidth`; the last line is cut with an ellipsis. */
export function wrapText(text: string, maxWidth: number, maxLines: number, measure: (s: string) => number): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (let i = 0; i < words.length; i++) {
    const candidate = line ? `${line} ${words[i]}` : words[i];
    if (measure(candidate) <= maxWidth || !line) {
      line = candidate;
      continue;
    }
    if (lines.length === maxLines - 1) {
      return [...lines, fitText(words.slice(i - line.split(' ').length).join(' '), maxWidth, measure)];
    }
    lines.push(line);
    line = words[i];
  }
  if (line)
    lines.push(lines.length === maxLines - 1 || measure(line) > maxWidth ? fitText(line, maxWidth, measure) : line);
  return lines.slice(0, maxLines);
}

/**
 * The largest of `sizes` (largest first) at which `text` wraps into `maxLines` without being cut;
 * the smallest size, cut, when none does.
 */
export function fitWrapped(
  text: string,
  maxWidth: number,
  maxLines: number,
  sizes: readonly number[],
  measure: (s: string, size: number) => number,
): { size: number; lines: string[] } {
  for (const size of sizes) {
    const lines = wrapText(text, maxWidth, maxLines, (s) => measure(s, size));
    if (lines.join(' ') === text.split(/\s+/).filter(Boolean).join(' ')) return { size, lines };
  }
  // One long word ("Backgammon" on a small tile): break it with a hyphen rather than cut it.
  const word = text.trim();
  if (maxLines >= 2 && !/\s/.test(word)) {
    for (const size of sizes) {
      const m = (s: string) => measure(s, size);
      let best: { lines: string[]; widest: number } | undefined;
      // The most even split that fits: "Backg-ammon" reads better than "Backgamm-on".
      for (let cut = 2; cut <= word.length - 2; cut++) {
        const lines = [`${word.slice(0, cut)}-`, word.slice(cut)];
        const widest = Math.max(m(lines[0]), m(lines[1]));
        if (widest <= maxWidth && (!best || widest < best.widest)) best = { lines, widest };
      }
      if (best) return { size, lines: best.lines };
    }
  }
  const size = sizes[sizes.length - 1];
  return { size, lines: wrapText(text, maxWidth, maxLines, (s) => measure(s, size)) };
}

/**
 * A stable, pleasant colour per id (users, games), so everyone sees the same colours. Numeric ids
 * step round the colour wheel by the golden angle, so neighbours (game 4, game 5) look different;
 * other ids are hashed. `hueOffset` keeps user 3 and game 3 apart.
 */
export function colorFor(id: string, saturation = 62, lightness = 52, hueOffset = 0): string {
  let hue: number;
  if (/^\d{1,9}$/.test(id)) {
    hue = Number(id) * 137.508;
  } else {
    let h = 2166136261;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
    hue = (h >>> 0) % 360;
  }
  return `hsl(${Math.round(hue + hueOffset) % 360} ${saturation}% ${lightness}%)`;
}

/** Games get their own part of the wheel's walk, so a game rarely matches an avatar next to it. */
export function gameColor(gameId: number, lightness: number): string {
  return colorFor(String(gameId), 55, lightness, 200);
}
