import type { RoomMap } from '../../src/protocol/messages';
import type { TestClient } from './client';
import type { Welcome } from './room';

/**
 * A room whose every event is heavy, for the slow-consumer tests. A client that stops reading
 * first fills the kernel's buffers (the server's send buffer grows to `tcp_wmem`'s maximum, a few
 * MB) before the server's own `bufferedAmount` moves at all; with `moved` events of ~80 bytes
 * that takes tens of thousands of moves, a count that depends on the machine's speed and the
 * kernel's autotuning. A `built` event carries the whole map, so on a map covered with walls each
 * one is ~17 kB (the default 20x20 map), and a few hundred fill those buffers.
 */

/** Walls per build while covering: ~45 bytes an op, so a build stays under the 4 KiB frame limit. */
const WALLS_PER_BUILD = 64;
/** The first row the walls cover: the rows above stay free for the avatars, who spawn at (0,0). */
const FIRST_WALL_ROW = 4;
/** The cell the owner's builds take and free in turn, on the free row just above the walls. */
const toggleCell = (map: RoomMap) => ({ x: map.width - 1, y: FIRST_WALL_ROW - 1 });

/** The owner covers the map with walls from FIRST_WALL_ROW down; resolves with the map's version. */
export async function coverWithWalls(owner: TestClient, welcome: Welcome): Promise<number> {
  const { width, height } = welcome.map;
  const cells: { x: number; y: number }[] = [];
  for (let y = FIRST_WALL_ROW; y < height; y++) for (let x = 0; x < width; x++) cells.push({ x, y });
  let version = welcome.map.version;
  for (let i = 0; i < cells.length; i += WALLS_PER_BUILD) {
    const ops = cells.slice(i, i + WALLS_PER_BUILD).map(({ x, y }) => ({ op: 'place', kind: 'wall', x, y }));
    const reply = await owner.request({ type: 'build', baseVersion: version, ops });
    if (reply.type !== 'ack') throw new Error(`covering the map failed: ${JSON.stringify(reply)}`);
    version++;
  }
  return version;
}

/**
 * The owner places a wall on the free row and removes it again, one build at a time, until
 * stopped: every build is a `built` event with the whole (covered) map. Resolves with the number
 * of builds.
 */
export function startBuilding(owner: TestClient, welcome: Welcome, fromVersion: number) {
  const cell = toggleCell(welcome.map);
  let stopped = false;
  let builds = 0;
  const loop = (async () => {
    let version = fromVersion;
    while (!stopped) {
      const placed = await build(owner, version, [{ op: 'place', kind: 'wall', ...cell }]);
      version++;
      builds++;
      const wall = placed.objects.find((o) => o.x === cell.x && o.y === cell.y);
      if (!wall) throw new Error('the placed wall is not on the map');
      await build(owner, version, [{ op: 'remove', objectId: wall.id }]);
      version++;
      builds++;
    }
  })();
  return {
    builds: () => builds,
    async stop() {
      stopped = true;
      await loop;
      return builds;
    },
  };
}

/** One build on `baseVersion`; resolves with the map it made (from the owner's own `built` event). */
async function build(owner: TestClient, baseVersion: number, ops: object[]): Promise<RoomMap> {
  const reply = await owner.request({ type: 'build', baseVersion, ops }, 10_000);
  if (reply.type !== 'ack') throw new Error(`build on version ${baseVersion} failed: ${JSON.stringify(reply)}`);
  const built = await owner.next((f) => f.type === 'built' && (f.map as RoomMap).version === baseVersion + 1, 10_000);
  return built.map as RoomMap;
}
