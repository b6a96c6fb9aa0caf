/**
 * The owner's unsaved changes in build mode: a list of build ops on top of the map version they
 * started from. The preview uses the same rules as the server (applyBuild), so a click that the
 * server would refuse is refused here first, with the server's words.
 */
import type { BuildOp, MapObject, RoomMap } from '../protocol/messages';
import { applyBuild } from '../domain/build';
import { CATALOGUE, type Cell } from '../domain/map';
import { objectAt } from './geometry';

export type PaletteItem = { kind: 'wall' } | { kind: 'game'; gameId: number; name: string };

export type ClickResult = { done: 'placed' | 'removed' | 'unplaced' } | { done: 'refused'; reason: string };

const DRAFT_ID = 'draft:';

export function isDraftObject(o: MapObject): boolean {
  return o.id.startsWith(DRAFT_ID);
}

export function footprint(item: PaletteItem): { w: number; h: number } {
  const k = CATALOGUE[item.kind];
  return { w: k.w, h: k.h };
}

export class BuildDraft {
  private ops: BuildOp[] = [];
  /** The map the ops apply to; set by the first op, so an empty draft always follows the room. */
  private base?: RoomMap;

  constructor(private readonly ownedGames: ReadonlySet<number>) {}

  get isEmpty(): boolean {
    return this.ops.length === 0;
  }

  get opList(): readonly BuildOp[] {
    return this.ops;
  }

  /** The version to send as `baseVersion`. */
  baseVersion(current: RoomMap): number {
    return (this.base ?? current).version;
  }

  /** True when the room's map moved on since the draft started: saving will be refused. */
  isStale(current: RoomMap): boolean {
    return this.base !== undefined && this.base.version !== current.version;
  }

  /** The map as it will be after saving, and which objects the draft removes. */
  preview(current: RoomMap): { map: RoomMap; removed: MapObject[] } {
    const base = this.base ?? current;
    const map = this.apply(base, this.ops);
    const kept = new Set(map.objects.map((o) => o.id));
    return { map, removed: base.objects.filter((o) => !kept.has(o.id)) };
  }

  /**
   * A click on a cell: on a placed-in-this-draft object it takes that placement back; on an
   * object of the map it removes the object; on free ground it places `item` with its top-left
   * corner there.
   */
  click(current: RoomMap, cell: Cell, item: PaletteItem | undefined): ClickResult {
    const base = this.base ?? current;
    const shown = this.apply(base, this.ops);
    const hit = objectAt(shown.objects, cell);
    if (hit && isDraftObject(hit)) {
      const index = Number(hit.id.slice(DRAFT_ID.length));
      return this.commit(
        base,
        this.ops.filter((_, i) => i !== index),
        'unplaced',
      );
    }
    if (hit) return this.commit(base, [...this.ops, { op: 'remove', objectId: hit.id }], 'removed');
    if (!item) return { done: 'refused', reason: 'pick something to place first' };
    const op: BuildOp =
      item.kind === 'game'
        ? { op: 'place', kind: 'game', x: cell.x, y: cell.y, gameId: item.gameId }
        : { op: 'place', kind: 'wall', x: cell.x, y: cell.y };
    return this.commit(base, [...this.ops, op], 'placed');
  }

  /** Whether `item` can go at `cell` now (for the hover preview). */
  canPlace(current: RoomMap, cell: Cell, item: PaletteItem): boolean {
    const base = this.base ?? current;
    const op: BuildOp =
      item.kind === 'game'
        ? { op: 'place', kind: 'game', x: cell.x, y: cell.y, gameId: item.gameId }
        : { op: 'place', kind: 'wall', x: cell.x, y: cell.y };
    try {
      this.apply(base, [...this.ops, op]);
      return true;
    } catch {
      return false;
    }
  }

  undo(): void {
    this.ops = this.ops.slice(0, -1);
    if (this.ops.length === 0) this.base = undefined;
  }

  discard(): void {
    this.ops = [];
    this.base = undefined;
  }

  /** The ops and base are kept only if the whole list is valid, so the draft is always savable. */
  private commit(base: RoomMap, ops: BuildOp[], done: 'placed' | 'removed' | 'unplaced'): ClickResult {
    try {
      this.apply(base, ops);
    } catch (err) {
      return { done: 'refused', reason: plainReason((err as Error).message) };
    }
    this.ops = ops;
    this.base = ops.length ? base : undefined;
    return { done };
  }

  /** applyBuild with ids that point back at the op that placed each object. */
  private apply(base: RoomMap, ops: readonly BuildOp[]): RoomMap {
    const placeIndexes = ops.flatMap((op, i) => (op.op === 'place' ? [i] : []));
    let next = 0;
    return applyBuild(base, ops, this.ownedGames, () => `${DRAFT_ID}${placeIndexes[next++]}`);
  }
}

/** applyBuild speaks to developers (object ids, op numbers); a person needs the gist. */
export function plainReason(message: string): string {
  const text = message.replace(/^op \d+: /, '');
  if (/would overlap/.test(text)) return 'that spot is taken';
  if (/would leave/.test(text)) return 'it does not fit inside the room there';
  if (/not in the owner's library/.test(text)) return 'that game is not in your library';
  if (/at least one free cell/.test(text)) return 'the room needs at least one free cell';
  return text;
}
