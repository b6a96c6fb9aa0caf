/**
 * The owner's build mode: a palette (wall + the games of the owner's library), clicks on the map
 * that edit a draft, and Save, which sends the whole draft as one `build` on the version the
 * draft started from. A CONFLICT (the room changed meanwhile) drops the draft, so the owner sees
 * the room as it is now, and says so.
 */
import { MyRoomRequestError } from '../client/myroom-client';
import type { RoomSession } from '../client/room-session';
import type { Cell } from '../domain/map';
import type { GameSummary } from './api';
import { BuildDraft, footprint, type PaletteItem } from './build-draft';
import { byId, el, type Tone } from './dom';
import { gameColor, objectAt } from './geometry';
import type { Hover, Scene } from './render';
import { describeError } from './words';

export interface BuildPanelHooks {
  notify: (text: string, tone: Tone) => void;
  redraw: () => void;
}

export class BuildPanel {
  private active = false;
  private saving = false;
  private draft = new BuildDraft(new Set());
  private palette: PaletteItem[] = [{ kind: 'wall' }];
  private selected: PaletteItem = { kind: 'wall' };
  private hoverCell: Cell | null = null;
  private readonly panel = byId('build-panel');
  private readonly tools = byId('build-tools');
  private readonly toggleButton = byId<HTMLButtonElement>('build-toggle');
  private readonly saveButton = byId<HTMLButtonElement>('build-save');
  private readonly undoButton = byId<HTMLButtonElement>('build-undo');
  private readonly discardButton = byId<HTMLButtonElement>('build-discard');
  private readonly summary = byId('draft-summary');

  constructor(
    private readonly session: RoomSession,
    private readonly hooks: BuildPanelHooks,
  ) {
    this.toggleButton.onclick = () => this.setActive(!this.active);
    this.saveButton.onclick = () => void this.save();
    this.undoButton.onclick = () => this.edit(() => this.draft.undo());
    this.discardButton.onclick = () => this.edit(() => this.draft.discard());
    this.renderPalette();
  }

  get isActive(): boolean {
    return this.active;
  }

  /** Only the owner sees the panel. */
  setOwner(owner: boolean): void {
    this.panel.hidden = !owner;
    if (!owner) this.setActive(false);
  }

  /** The owner's library: the games the palette offers. */
  setLibrary(games: readonly GameSummary[]): void {
    this.draft = new BuildDraft(new Set(games.map((g) => g.id)));
    this.palette = [{ kind: 'wall' }, ...games.map((g): PaletteItem => ({ kind: 'game', gameId: g.id, name: g.name }))];
    if (!this.palette.some((p) => samePaletteItem(p, this.selected))) this.selected = this.palette[0];
    this.renderPalette();
    this.refresh();
  }

  setActive(on: boolean): void {
    this.active = on;
    this.toggleButton.setAttribute('aria-pressed', String(on));
    this.toggleButton.textContent = on ? 'Stop building' : 'Build mode';
    this.tools.hidden = !on;
    byId('room-canvas').classList.toggle('building', on);
    if (!on) this.hoverCell = null;
    this.refresh();
  }

  click(cell: Cell): void {
    if (!this.active || this.saving) return;
    const result = this.draft.click(this.session.model.map, cell, this.selected);
    if (result.done === 'refused') this.hooks.notify(`Cannot do that: ${result.reason}.`, 'error');
    else this.hooks.notify('', 'info');
    this.refresh();
  }

  hover(cell: Cell | null): void {
    if (!this.active) return;
    this.hoverCell = cell;
    this.hooks.redraw();
  }

  /** What build mode adds to the picture: the draft's preview and the hover hint. */
  decorate(scene: Scene): Scene {
    if (!this.active) return scene;
    const room = this.session.model.map;
    const { map, removed } = this.draft.preview(room);
    let hover: Hover | undefined;
    if (this.hoverCell) {
      const hit = objectAt(map.objects, this.hoverCell);
      hover = hit
        ? { kind: 'remove', object: hit }
        : {
            kind: 'place',
            ...this.hoverCell,
            ...footprint(this.selected),
            ok: this.draft.canPlace(room, this.hoverCell, this.selected),
          };
    }
    return { ...scene, map, removed, hover, building: true };
  }

  /** The room changed (an event or a new connection state): update the buttons and the summary. */
  refresh(): void {
    const inRoom = this.session.state.state === 'in-room';
    const room = this.session.model.map;
    const ops = this.draft.opList;
    const places = ops.filter((o) => o.op === 'place').length;
    const removes = ops.length - places;
    this.saveButton.disabled = !inRoom || this.saving || ops.length === 0;
    this.undoButton.disabled = this.saving || ops.length === 0;
    this.discardButton.disabled = this.saving || ops.length === 0;
    let text =
      ops.length === 0
        ? 'No changes yet.'
        : `Unsaved: ${places} to place, ${removes} to remove (on map version ${this.draft.baseVersion(room)}).`;
    if (this.draft.isStale(room)) text += ' The room has changed since you started: saving will reload the map.';
    this.summary.textContent = text;
    this.hooks.redraw();
  }

  private edit(change: () => void): void {
    change();
    this.refresh();
  }

  private async save(): Promise<void> {
    const ops = [...this.draft.opList];
    if (ops.length === 0 || this.saving) return;
    const base = this.draft.baseVersion(this.session.model.map);
    this.saving = true;
    this.refresh();
    try {
      await this.session.build(ops, base);
      this.draft.discard();
      this.hooks.notify(
        `Saved ${ops.length} change${ops.length === 1 ? '' : 's'}: the map is now at version ${base + 1}.`,
        'ok',
      );
    } catch (err) {
      if (err instanceof MyRoomRequestError && err.code === 'CONFLICT') {
        // The draft was made on a map that no longer exists: start again from the room as it is.
        this.draft.discard();
      }
      this.hooks.notify(describeError(err, 'build'), 'error');
    } finally {
      this.saving = false;
      this.refresh();
    }
  }

  private renderPalette(): void {
    const box = byId('palette');
    box.replaceChildren(
      ...this.palette.map((item) => {
        const label = item.kind === 'wall' ? 'Wall' : item.name;
        const swatch = el('span', { class: 'swatch' });
        swatch.style.background = item.kind === 'wall' ? '#4a505c' : gameColor(item.gameId, 58);
        const size = footprint(item);
        const button = el(
          'button',
          {
            type: 'button',
            role: 'radio',
            'aria-checked': String(samePaletteItem(item, this.selected)),
            'data-kind': item.kind,
            ...(item.kind === 'game' ? { 'data-game-id': String(item.gameId) } : {}),
            title: `${label} (${size.w}×${size.h})`,
          },
          swatch,
          el('span', { class: 'label' }, label),
          el('span', { class: 'size' }, `${size.w}×${size.h}`),
        );
        button.onclick = () => {
          this.selected = item;
          this.renderPalette();
          this.hooks.redraw();
        };
        return button;
      }),
    );
  }
}

function samePaletteItem(a: PaletteItem, b: PaletteItem): boolean {
  return a.kind === b.kind && (a.kind === 'wall' || (b.kind === 'game' && a.gameId === b.gameId));
}
