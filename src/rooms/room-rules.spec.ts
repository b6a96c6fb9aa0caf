import type { MapObject, RoomMap } from '../protocol/messages';
import { spawnOn } from './room-rules';

const wall = (id: string, x: number, y: number, w = 1, h = 1): MapObject => ({ id, kind: 'wall', x, y, w, h });
const map = (objects: MapObject[], width = 5, height = 4): RoomMap => ({ version: 7, width, height, objects });

describe(spawnOn.name, () => {
  it('puts a newcomer on the spawn cell, or the free cell nearest to it, with the map version it was chosen on', () => {
    expect(spawnOn(map([]))).toEqual({ version: 7, cell: { x: 0, y: 0 } });
    expect(spawnOn(map([wall('w', 0, 0)]))).toEqual({ version: 7, cell: { x: 1, y: 0 } });
  });

  it('puts an avatar back where it stood, or on the free cell nearest to that', () => {
    expect(spawnOn(map([]), { x: 3, y: 2 }).cell).toEqual({ x: 3, y: 2 });
    // A wall built there since: the nearest free cell (least distance, then smaller y, then x).
    expect(spawnOn(map([wall('w', 3, 2)]), { x: 3, y: 2 }).cell).toEqual({ x: 3, y: 1 });
  });

  it('falls back to the spawn cell when the map shrank away from where the avatar stood', () => {
    expect(spawnOn(map([]), { x: 40, y: 30 }).cell).toEqual({ x: 0, y: 0 });
    expect(spawnOn(map([wall('w', 0, 0)]), { x: 40, y: 30 }).cell).toEqual({ x: 1, y: 0 });
  });
});
