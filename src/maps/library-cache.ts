/** How long a user's library is trusted without reading it again (for games taken away). */
const LIBRARY_TTL_MS = 30_000;
const MAX_USERS = 10_000;

/**
 * The games each user owns, as last read from the database, for builds: a build that places games
 * would otherwise read the library inside the room lock on every build.
 *
 * The library is written outside this server (a shop, the seed), so nothing here hears of a change:
 * - a game added: a build naming a game missing from the cached set reads the library again
 *   before refusing, so a just-bought game is usable at once;
 * - a game taken away: the cached set may allow it for up to LIBRARY_TTL_MS.
 */
export class LibraryCache {
  private readonly entries = new Map<string, { games: Set<number>; readAt: number }>();

  constructor(
    private readonly read: (userId: string) => Promise<Set<number>>,
    private readonly now = () => Date.now(),
  ) {}

  async owned(userId: string, needed: Iterable<number>): Promise<Set<number>> {
    const hit = this.entries.get(userId);
    if (hit && this.now() - hit.readAt < LIBRARY_TTL_MS && [...needed].every((g) => hit.games.has(g))) return hit.games;
    const games = await this.read(userId);
    if (this.entries.size >= MAX_USERS) this.entries.clear();
    this.entries.set(userId, { games, readAt: this.now() });
    return games;
  }
}
