import { LibraryCache } from './library-cache';

describe('LibraryCache', () => {
  function setup(library: Record<string, number[]>) {
    let now = 0;
    const reads: string[] = [];
    const cache = new LibraryCache(
      async (u) => {
        reads.push(u);
        return new Set(library[u] ?? []);
      },
      () => now,
    );
    return {
      cache,
      reads,
      advance: (ms: number) => {
        now += ms;
      },
    };
  }

  it("reads a user's library once while every game asked for is in it", async () => {
    const { cache, reads } = setup({ u: [1, 2] });
    expect([...(await cache.owned('u', [1]))]).toEqual([1, 2]);
    expect([...(await cache.owned('u', [2, 1]))]).toEqual([1, 2]);
    expect(reads).toEqual(['u']);
  });

  it('reads again when a game asked for is missing, so a game just added is usable at once', async () => {
    const library = { u: [1] };
    const { cache, reads } = setup(library);
    await cache.owned('u', [1]);
    library.u = [1, 3];
    expect((await cache.owned('u', [3])).has(3)).toBe(true);
    // Still missing after reading again: the answer is the fresh library, which refuses it.
    expect((await cache.owned('u', [4])).has(4)).toBe(false);
    expect(reads).toEqual(['u', 'u', 'u']);
  });

  it('reads again once the entry is older than its time to live, so a game taken away stops working', async () => {
    const library = { u: [1, 2] };
    const { cache, reads, advance } = setup(library);
    await cache.owned('u', [2]);
    library.u = [1];
    advance(29_000);
    expect((await cache.owned('u', [2])).has(2)).toBe(true);
    advance(2_000);
    expect((await cache.owned('u', [2])).has(2)).toBe(false);
    expect(reads).toEqual(['u', 'u']);
  });
});
