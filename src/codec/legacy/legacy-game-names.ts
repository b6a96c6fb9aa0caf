import { Injectable } from '@nestjs/common';
import { MapStore } from '../../maps/map-store';
import type { GameNames } from './legacy-view';

/** A game unknown here is looked up again at most this often (the catalogue grows rarely). */
const RELOAD_AFTER_MS = 30_000;

/**
 * The catalogue's game names, for the `games` of a legacy SYNC (v1 maps carry only game ids).
 * Read once when the first legacy client enters, and again when a map names a game not read yet;
 * until then that game shows as `game <id>`. Encoding stays synchronous: it never waits for this.
 */
@Injectable()
export class LegacyGameNames implements GameNames {
  private names = new Map<number, string>();
  private loading?: Promise<void>;
  private loadedAt = -Infinity;

  constructor(private readonly maps: MapStore) {}

  get(gameId: number): string | undefined {
    const name = this.names.get(gameId);
    if (name === undefined && Date.now() - this.loadedAt > RELOAD_AFTER_MS) void this.load().catch(() => undefined);
    return name;
  }

  /** Resolves once the names were read (at least once); a failed read is retried by the next call. */
  ready(): Promise<void> {
    return this.loadedAt > -Infinity ? Promise.resolve() : this.load();
  }

  private load(): Promise<void> {
    this.loading ??= this.maps
      .games()
      .then((games) => {
        this.names = new Map(games.map((g) => [g.id, g.name]));
        this.loadedAt = Date.now();
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}
