/** The canvas element of the room: sizing for the screen and pixel ratio, clicks to cells. */
import type { Cell } from '../domain/map';
import { cellAt, fitCellSize } from './geometry';
import { drawScene, type Scene } from './render';

export class RoomCanvas {
  /** CSS pixels per cell, as last drawn. */
  cell = 32;
  onCellClick?: (cell: Cell) => void;
  onHover?: (cell: Cell | null) => void;
  private scene?: Scene;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly onResize = () => this.draw();

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly box: HTMLElement,
  ) {
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('this browser cannot draw on a canvas');
    this.ctx = ctx;
    canvas.onclick = (e) => {
      const c = this.cellOf(e);
      if (c) this.onCellClick?.(c);
    };
    canvas.onmousemove = (e) => this.onHover?.(this.cellOf(e));
    canvas.onmouseleave = () => this.onHover?.(null);
    window.addEventListener('resize', this.onResize);
  }

  draw(scene: Scene | undefined = this.scene): void {
    this.scene = scene;
    if (!scene || scene.map.width === 0) return;
    const { map } = scene;
    const top = this.box.getBoundingClientRect().top;
    const cell = fitCellSize(map.width, map.height, this.box.clientWidth, window.innerHeight - top - 48);
    const ratio = window.devicePixelRatio || 1;
    const w = map.width * cell;
    const h = map.height * cell;
    if (this.canvas.width !== Math.round(w * ratio) || this.canvas.height !== Math.round(h * ratio)) {
      this.canvas.width = Math.round(w * ratio);
      this.canvas.height = Math.round(h * ratio);
      this.canvas.style.width = `${w}px`;
      this.canvas.style.height = `${h}px`;
    }
    this.cell = cell;
    this.ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    drawScene(this.ctx, scene, cell);
    this.describe(scene);
  }

  destroy(): void {
    window.removeEventListener('resize', this.onResize);
    this.canvas.onclick = this.canvas.onmousemove = this.canvas.onmouseleave = null;
  }

  private cellOf(e: MouseEvent): Cell | null {
    if (!this.scene) return null;
    const r = this.canvas.getBoundingClientRect();
    return cellAt(e.clientX - r.left, e.clientY - r.top, this.cell, this.scene.map.width, this.scene.map.height);
  }

  /** What is drawn, in words and data attributes: for screen readers, and for tests that read the DOM. */
  private describe(scene: Scene): void {
    const map = scene.room;
    const d = this.canvas.dataset;
    d.cellSize = String(this.cell);
    d.mapWidth = String(map.width);
    d.mapHeight = String(map.height);
    d.mapVersion = String(map.version);
    d.objects = map.objects
      .map((o) => `${o.kind}${o.gameId !== undefined ? `#${o.gameId}` : ''}@${o.x},${o.y}`)
      .sort()
      .join(' ');
    const walls = map.objects.filter((o) => o.kind === 'wall').length;
    const games = map.objects.filter((o) => o.kind === 'game').map((o) => scene.gameName(o.gameId ?? 0));
    this.canvas.setAttribute(
      'aria-label',
      `Room map, ${map.width} by ${map.height} cells: ${walls} wall${walls === 1 ? '' : 's'}` +
        `${games.length ? `, games: ${games.join(', ')}` : ''}; ${scene.members.length} in the room.`,
    );
  }
}
