/** Draws a room on a 2D canvas: floor grid, objects, avatars with names, build-mode overlays. */
import type { MapObject, Member, RoomMap } from '../protocol/messages';
import { isDraftObject } from './build-draft';
import { avatarSlots, colorFor, fitText, fitWrapped, gameColor } from './geometry';

export type Hover =
  { kind: 'place'; x: number; y: number; w: number; h: number; ok: boolean } | { kind: 'remove'; object: MapObject };

export interface Scene {
  /** The room's map as the server last confirmed it. */
  room: RoomMap;
  /** The map to draw: `room`, or the build draft's preview of it. */
  map: RoomMap;
  members: readonly Member[];
  meId?: string;
  gameName: (gameId: number) => string;
  building: boolean;
  /** Objects the build draft removes (drawn faded and crossed out). */
  removed?: readonly MapObject[];
  hover?: Hover;
}

const FLOOR = '#fbf8f1';
const FLOOR_ALT = '#f3eee2';
const GRID = 'rgba(120, 105, 80, 0.12)';
const GRID_BUILD = 'rgba(47, 111, 223, 0.28)';
const WALL = '#4a505c';
const WALL_TOP = '#6a717f';
const ME_RING = '#f5b400';
const DRAFT = '#2f6fdf';
const REMOVE = '#c23b3b';

export function drawScene(ctx: CanvasRenderingContext2D, scene: Scene, cell: number): void {
  const { map } = scene;
  ctx.clearRect(0, 0, map.width * cell, map.height * cell);
  drawFloor(ctx, map, cell, scene.building);
  for (const o of scene.removed ?? []) drawObject(ctx, o, cell, scene, 'removed');
  for (const o of map.objects) drawObject(ctx, o, cell, scene, isDraftObject(o) ? 'draft' : 'normal');
  drawAvatars(ctx, scene, cell);
  if (scene.hover) drawHover(ctx, scene.hover, cell);
}

function drawFloor(ctx: CanvasRenderingContext2D, map: RoomMap, cell: number, building: boolean): void {
  for (let y = 0; y < map.height; y++) {
    for (let x = 0; x < map.width; x++) {
      ctx.fillStyle = (x + y) % 2 === 0 ? FLOOR : FLOOR_ALT;
      ctx.fillRect(x * cell, y * cell, cell, cell);
    }
  }
  ctx.strokeStyle = building ? GRID_BUILD : GRID;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let x = 0; x <= map.width; x++) {
    ctx.moveTo(x * cell + 0.5, 0);
    ctx.lineTo(x * cell + 0.5, map.height * cell);
  }
  for (let y = 0; y <= map.height; y++) {
    ctx.moveTo(0, y * cell + 0.5);
    ctx.lineTo(map.width * cell, y * cell + 0.5);
  }
  ctx.stroke();
}

function drawObject(
  ctx: CanvasRenderingContext2D,
  o: MapObject,
  cell: number,
  scene: Scene,
  style: 'normal' | 'draft' | 'removed',
): void {
  const px = o.x * cell;
  const py = o.y * cell;
  const w = o.w * cell;
  const h = o.h * cell;
  ctx.save();
  if (style === 'removed') ctx.globalAlpha = 0.3;
  if (style === 'draft') ctx.globalAlpha = 0.82;
  if (o.kind === 'wall') {
    ctx.fillStyle = WALL;
    ctx.fillRect(px + 1, py + 1, w - 2, h - 2);
    ctx.fillStyle = WALL_TOP;
    ctx.fillRect(px + 1, py + 1, w - 2, Math.max(2, Math.round(h * 0.22)));
  } else {
    const id = o.gameId ?? 0;
    const inset = Math.max(2, cell * 0.08);
    roundRect(ctx, px + inset, py + inset, w - 2 * inset, h - 2 * inset, cell * 0.25);
    ctx.fillStyle = gameColor(id, 58);
    ctx.fill();
    ctx.lineWidth = 2;
    ctx.strokeStyle = gameColor(id, 38);
    ctx.stroke();
    const largest = Math.max(9, Math.round(cell * 0.36));
    const smallest = Math.max(8, Math.round(cell * 0.22));
    const sizes = Array.from({ length: Math.max(1, largest - smallest + 1) }, (_, i) => largest - i);
    const { size, lines } = fitWrapped(scene.gameName(id), w - 2 * inset - 4, 2, sizes, (s, px) => {
      ctx.font = `600 ${px}px system-ui, sans-serif`;
      return ctx.measureText(s).width;
    });
    ctx.font = `600 ${size}px system-ui, sans-serif`;
    ctx.fillStyle = '#fff';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    const lineH = size * 1.15;
    lines.forEach((line, i) => ctx.fillText(line, px + w / 2, py + h / 2 + (i - (lines.length - 1) / 2) * lineH));
  }
  ctx.restore();
  if (style === 'draft') {
    ctx.save();
    ctx.setLineDash([4, 3]);
    ctx.lineWidth = 2;
    ctx.strokeStyle = DRAFT;
    ctx.strokeRect(px + 1, py + 1, w - 2, h - 2);
    ctx.restore();
  }
  if (style === 'removed') drawCross(ctx, px, py, w, h);
}

function drawAvatars(ctx: CanvasRenderingContext2D, scene: Scene, cell: number): void {
  const byCell = new Map<string, Member[]>();
  for (const m of scene.members) {
    const key = `${m.x},${m.y}`;
    const list = byCell.get(key) ?? [];
    list.push(m);
    byCell.set(key, list);
  }
  const hasMe = (g: Member[]) => g.some((m) => m.userId === scene.meId);
  // Mine last, so on top: my cell after the others, my avatar after the others in my cell
  // (and my name first in its tag).
  const groups = [...byCell.values()].sort((a, b) => Number(hasMe(a)) - Number(hasMe(b)));
  for (const g of groups) g.sort((a, b) => Number(a.userId === scene.meId) - Number(b.userId === scene.meId));
  // Names first, avatars over them: a tag may hide part of a tag, never a person.
  for (const g of groups) {
    const names = [...g].reverse().map((m) => (m.userId === scene.meId ? `${m.name} (you)` : m.name));
    drawLabel(ctx, names.join(', '), g[0], cell, scene.map, hasMe(g));
  }
  for (const group of groups) {
    const slots = avatarSlots(group.length);
    group.forEach((m, i) => {
      const cx = (m.x + 0.5 + slots[i].dx) * cell;
      const cy = (m.y + 0.5 + slots[i].dy) * cell;
      const r = slots[i].r * cell;
      const mine = m.userId === scene.meId;
      ctx.save();
      if (mine) {
        // A gold halo with a dark rim: it stands out whatever colour the avatar has.
        // Thinner when sharing the cell, so the others stay visible next to it.
        const rim = group.length > 1 ? Math.max(2, cell * 0.05) : Math.max(3, cell * 0.1);
        ctx.beginPath();
        ctx.arc(cx, cy, r + rim + 1.5, 0, Math.PI * 2);
        ctx.fillStyle = ME_RING;
        ctx.shadowColor = 'rgba(245, 180, 0, 0.9)';
        ctx.shadowBlur = group.length > 1 ? cell * 0.2 : cell * 0.45;
        ctx.fill();
        ctx.shadowBlur = 0;
        ctx.beginPath();
        ctx.arc(cx, cy, r + 1.5, 0, Math.PI * 2);
        ctx.fillStyle = '#23262b';
        ctx.fill();
      }
      ctx.beginPath();
      ctx.arc(cx, cy, r, 0, Math.PI * 2);
      ctx.fillStyle = colorFor(m.userId);
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = '#fff';
      ctx.stroke();
      ctx.restore();
    });
  }
}

/** A name tag above the cell (below it on the top row), cut to about four cells wide. */
function drawLabel(
  ctx: CanvasRenderingContext2D,
  text: string,
  at: Member,
  cell: number,
  map: RoomMap,
  mine: boolean,
): void {
  const size = Math.max(10, Math.round(cell * 0.34));
  ctx.save();
  ctx.font = `${mine ? 700 : 500} ${size}px system-ui, sans-serif`;
  const label = fitText(text, cell * 4.2, (s) => ctx.measureText(s).width);
  const tw = ctx.measureText(label).width;
  const padX = 4;
  const boxH = size + 4;
  const cx = Math.min(Math.max((at.x + 0.5) * cell, tw / 2 + padX), map.width * cell - tw / 2 - padX);
  const top = at.y === 0 ? (at.y + 1) * cell + 1 : at.y * cell - boxH - 1;
  roundRect(ctx, cx - tw / 2 - padX, top, tw + 2 * padX, boxH, 4);
  ctx.fillStyle = mine ? 'rgba(255, 246, 214, 0.95)' : 'rgba(255, 255, 255, 0.88)';
  ctx.fill();
  ctx.lineWidth = 1;
  ctx.strokeStyle = mine ? ME_RING : 'rgba(0, 0, 0, 0.15)';
  ctx.stroke();
  ctx.fillStyle = '#23262b';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(label, cx, top + boxH / 2 + 0.5);
  ctx.restore();
}

function drawHover(ctx: CanvasRenderingContext2D, hover: Hover, cell: number): void {
  ctx.save();
  if (hover.kind === 'place') {
    ctx.fillStyle = hover.ok ? 'rgba(46, 139, 87, 0.28)' : 'rgba(194, 59, 59, 0.25)';
    ctx.strokeStyle = hover.ok ? '#2e8b57' : REMOVE;
    ctx.lineWidth = 2;
    ctx.fillRect(hover.x * cell, hover.y * cell, hover.w * cell, hover.h * cell);
    ctx.strokeRect(hover.x * cell + 1, hover.y * cell + 1, hover.w * cell - 2, hover.h * cell - 2);
  } else {
    const o = hover.object;
    ctx.strokeStyle = REMOVE;
    ctx.lineWidth = 3;
    ctx.strokeRect(o.x * cell + 1.5, o.y * cell + 1.5, o.w * cell - 3, o.h * cell - 3);
    drawCross(ctx, o.x * cell, o.y * cell, o.w * cell, o.h * cell);
  }
  ctx.restore();
}

function drawCross(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number): void {
  ctx.save();
  ctx.strokeStyle = REMOVE;
  ctx.lineWidth = 2.5;
  const m = Math.min(w, h) * 0.22;
  ctx.beginPath();
  ctx.moveTo(x + m, y + m);
  ctx.lineTo(x + w - m, y + h - m);
  ctx.moveTo(x + w - m, y + m);
  ctx.lineTo(x + m, y + h - m);
  ctx.stroke();
  ctx.restore();
}

function roundRect(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, r: number): void {
  const rr = Math.min(r, w / 2, h / 2);
  ctx.beginPath();
  ctx.moveTo(x + rr, y);
  ctx.arcTo(x + w, y, x + w, y + h, rr);
  ctx.arcTo(x + w, y + h, x, y + h, rr);
  ctx.arcTo(x, y + h, x, y, rr);
  ctx.arcTo(x, y, x + w, y, rr);
  ctx.closePath();
}
