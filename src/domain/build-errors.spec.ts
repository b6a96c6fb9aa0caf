import {
  buildError,
  emptyMap,
  expectOpError,
  filledExcept,
  game,
  idGen,
  mapOf,
  NO_GAMES,
  OWNED,
  place,
  remove,
  wall,
} from '../../test/support/domain-fixtures';
import { applyBuild, type BuildOp } from './build';
import { occupancyString } from './map';

// ---- applyBuild: refusals ---------------------------------------------------------------------

describe('applyBuild', () => {
  describe('errors', () => {
    it('errors are BuildRejectedError naming the op (the server answers them as INVALID_BUILD)', () => {
      const err = expectOpError(() => applyBuild(emptyMap(2, 2), [place('sofa', 0, 0)], NO_GAMES, idGen()), 0);
      expect(err).toBeInstanceOf(Error);
      expect(err.name).toBe('BuildRejectedError');
    });

    it('unknown kind is refused and the message lists the known kinds', () => {
      const err = expectOpError(
        () => applyBuild(emptyMap(3, 3), [place('sofa', 0, 0)], NO_GAMES, idGen()),
        0,
        /unknown kind "sofa"/,
      );
      expect(err.message).toMatch(/wall/);
      expect(err.message).toMatch(/game/);
    });

    it('kind is case-sensitive', () => {
      expectOpError(() => applyBuild(emptyMap(3, 3), [place('Wall', 0, 0)], NO_GAMES, idGen()), 0, /unknown kind/);
    });

    it('a game without a gameId is refused', () => {
      expectOpError(() => applyBuild(emptyMap(3, 3), [place('game', 0, 0)], OWNED, idGen()), 0, /needs a gameId/);
    });

    it('a wall with a gameId is refused (even an owned one)', () => {
      expectOpError(() => applyBuild(emptyMap(3, 3), [place('wall', 0, 0, 7)], OWNED, idGen()), 0, /takes no gameId/);
    });

    it('a game not in the owner library is refused', () => {
      const err = expectOpError(
        () => applyBuild(emptyMap(3, 3), [place('game', 0, 0, 8)], OWNED, idGen()),
        0,
        /game 8 is not in the owner's library/,
      );
      expect(err.opIndex).toBe(0);
    });

    it('a game is refused with an empty library', () => {
      expectOpError(() => applyBuild(emptyMap(3, 3), [place('game', 0, 0, 7)], NO_GAMES, idGen()), 0, /library/);
    });

    describe('out of bounds', () => {
      it.each<[string, number, number]>([
        ['x = width', 4, 0],
        ['y = height', 0, 3],
        ['both past', 4, 3],
        ['far away', 100, 100],
      ])('a wall with %s is refused', (_name, x, y) => {
        expectOpError(
          () => applyBuild(emptyMap(4, 3), [place('wall', x, y)], NO_GAMES, idGen()),
          0,
          /would leave the 4x3 map/,
        );
      });

      it('a game sticking out of the last column is refused', () => {
        expectOpError(
          () => applyBuild(emptyMap(4, 3), [place('game', 3, 0, 7)], OWNED, idGen()),
          0,
          /a game at \(3,0\) would leave the 4x3 map/,
        );
      });

      it('a game sticking out of the last row is refused', () => {
        expectOpError(
          () => applyBuild(emptyMap(4, 3), [place('game', 0, 2, 7)], OWNED, idGen()),
          0,
          /a game at \(0,2\) would leave the 4x3 map/,
        );
      });

      it('a game sticking out of the bottom-right corner is refused', () => {
        expectOpError(() => applyBuild(emptyMap(4, 3), [place('game', 3, 2, 7)], OWNED, idGen()), 0, /would leave/);
      });

      it('a game never fits on a 1-wide or 1-high map', () => {
        expectOpError(() => applyBuild(emptyMap(1, 5), [place('game', 0, 0, 7)], OWNED, idGen()), 0, /would leave/);
        expectOpError(() => applyBuild(emptyMap(5, 1), [place('game', 0, 0, 7)], OWNED, idGen()), 0, /would leave/);
      });
    });

    describe('overlap', () => {
      it('a wall on an existing wall is refused, naming the hit object', () => {
        expectOpError(
          () => applyBuild(mapOf(3, 3, [wall('a', 1, 1)]), [place('wall', 1, 1)], NO_GAMES, idGen()),
          0,
          /a wall at \(1,1\) would overlap object a/,
        );
      });

      it.each<[number, number]>([
        [1, 1],
        [2, 1],
        [1, 2],
        [2, 2],
      ])('a wall on game cell (%i,%i) is refused', (x, y) => {
        expectOpError(
          () => applyBuild(mapOf(4, 4, [game('g', 1, 1, 7)]), [place('wall', x, y)], NO_GAMES, idGen()),
          0,
          /overlap object g/,
        );
      });

      it.each<[number, number]>([
        [0, 0],
        [1, 0],
        [2, 0],
        [0, 1],
        [2, 1],
        [0, 2],
        [1, 2],
        [2, 2],
      ])('a game at (%i,%i) partially overlapping a game at (1,1) is refused', (x, y) => {
        expectOpError(
          () => applyBuild(mapOf(4, 4, [game('g', 1, 1, 7)]), [place('game', x, y, 42)], OWNED, idGen()),
          0,
          /overlap object g/,
        );
      });

      it('a game covering an existing wall is refused', () => {
        expectOpError(
          () => applyBuild(mapOf(4, 4, [wall('w', 2, 2)]), [place('game', 1, 1, 7)], OWNED, idGen()),
          0,
          /overlap object w/,
        );
      });

      it('placing twice on the same cell in one batch is refused at the second op', () => {
        expectOpError(
          () => applyBuild(emptyMap(3, 3), [place('wall', 1, 1), place('wall', 1, 1)], NO_GAMES, idGen('n')),
          1,
          /overlap object n1/,
        );
      });

      it('a game overlapping a game placed earlier in the batch is refused', () => {
        expectOpError(
          () =>
            applyBuild(
              emptyMap(5, 5),
              [place('game', 0, 0, 7), place('wall', 4, 4), place('game', 1, 1, 42)],
              OWNED,
              idGen('n'),
            ),
          2,
          /overlap object n1/,
        );
      });
    });

    describe('remove', () => {
      it('removing an unknown id is refused', () => {
        expectOpError(
          () => applyBuild(mapOf(3, 3, [wall('a', 0, 0)]), [remove('nope')], NO_GAMES, idGen()),
          0,
          /no object nope to remove/,
        );
      });

      it('removing the same object twice is refused at the second op', () => {
        expectOpError(
          () => applyBuild(mapOf(3, 3, [wall('a', 0, 0)]), [remove('a'), remove('a')], NO_GAMES, idGen()),
          1,
          /no object a to remove/,
        );
      });

      it('removing from an empty map is refused', () => {
        expectOpError(() => applyBuild(emptyMap(3, 3), [remove('a')], NO_GAMES, idGen()), 0);
      });
    });

    it('names the first bad op when several are bad, with its index', () => {
      const ops: BuildOp[] = [
        place('wall', 0, 0),
        place('wall', 1, 0),
        place('sofa', 0, 0),
        remove('ghost'),
        place('wall', 99, 99),
      ];
      expectOpError(() => applyBuild(emptyMap(3, 3), ops, NO_GAMES, idGen()), 2, /unknown kind "sofa"/);
    });

    it('a bad op after good ones throws and yields no partial map', () => {
      const start = emptyMap(3, 3);
      const ops: BuildOp[] = [place('wall', 0, 0), place('wall', 1, 0), place('wall', 3, 0)];
      expectOpError(() => applyBuild(start, ops, NO_GAMES, idGen()), 2, /would leave/);
      expect(start.objects).toEqual([]);
      expect(start.version).toBe(0);
    });

    it('op index in the message counts removes too', () => {
      const start = mapOf(3, 3, [wall('a', 0, 0)]);
      expectOpError(
        () => applyBuild(start, [remove('a'), place('wall', 1, 1), place('game', 0, 0)], OWNED, idGen()),
        2,
        /needs a gameId/,
      );
    });

    describe('full map', () => {
      it('filling every cell of an empty map is refused, without an op index', () => {
        const ops: BuildOp[] = [];
        for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) ops.push(place('wall', x, y));
        const err = buildError(() => applyBuild(emptyMap(2, 2), ops, NO_GAMES, idGen()));
        expect(err.message).toBe('the map must keep at least one free cell');
        expect(err.opIndex).toBeUndefined();
      });

      it('a single game filling a 2x2 map is refused', () => {
        const err = buildError(() => applyBuild(emptyMap(2, 2), [place('game', 0, 0, 7)], OWNED, idGen()));
        expect(err.message).toMatch(/at least one free cell/);
      });

      it('filling the last free cell of a map is refused', () => {
        const start = filledExcept(3, 3, [{ x: 2, y: 1 }]);
        const err = buildError(() => applyBuild(start, [place('wall', 2, 1)], NO_GAMES, idGen()));
        expect(err.message).toMatch(/at least one free cell/);
      });

      it('a 1x1 map cannot take a wall', () => {
        buildError(() => applyBuild(emptyMap(1, 1), [place('wall', 0, 0)], NO_GAMES, idGen()));
      });

      it('a batch that frees a cell and fills another on an almost-full map is fine', () => {
        const start = filledExcept(3, 3, [{ x: 2, y: 2 }]);
        const next = applyBuild(start, [remove('w0_0'), place('wall', 2, 2)], NO_GAMES, () => 'n');
        expect(occupancyString(next)).toBe('011111111');
      });
    });
  });
});

describe('applyBuild: kinds are only the catalogue’s own entries', () => {
  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'])(
    'refuses the inherited name %s as an unknown kind',
    (kind) => {
      expect(() => applyBuild(emptyMap(3, 3), [{ op: 'place', kind, x: 0, y: 0 }], new Set(), idGen())).toThrow(
        /op 0: unknown kind/,
      );
    },
  );

  it('refuses negative coordinates even when called directly', () => {
    expect(() => applyBuild(emptyMap(3, 3), [{ op: 'place', kind: 'wall', x: -1, y: 0 }], new Set(), idGen())).toThrow(
      /op 0: .*would leave/,
    );
    expect(() => applyBuild(emptyMap(3, 3), [{ op: 'place', kind: 'wall', x: 0, y: -1 }], new Set(), idGen())).toThrow(
      /op 0: .*would leave/,
    );
  });
});
