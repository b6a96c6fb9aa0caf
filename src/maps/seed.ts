import type { DataSource } from 'typeorm';
import { GameEntity, LibraryEntryEntity, RoomEntity, UserEntity } from './entities';

export const DEMO_GAME_NAMES = [
  'Chess',
  'Go',
  'Checkers',
  'Backgammon',
  'Mahjong',
  'Othello',
  'Sudoku',
  'Tetris',
  'Pong',
  'Snake',
  'Minesweeper',
  'Solitaire',
  'Poker',
  'Bingo',
  'Dominoes',
  'Battleship',
  'Connect Four',
  'Mancala',
  "Nine Men's Morris",
  'Tic-Tac-Toe',
];

/** Games 1–20; users 1–10 named user1…user10; user N owns games N, N+1, N+2 (past 20 wrapping to 1, 2). */
export function demoData(width: number, height: number) {
  const games = DEMO_GAME_NAMES.map((name, i) => ({ id: i + 1, name }));
  const users = Array.from({ length: 10 }, (_, i) => ({ id: String(i + 1), name: `user${i + 1}` }));
  const library = users.flatMap((u) =>
    [0, 1, 2].map((k) => ({ userId: u.id, gameId: ((Number(u.id) + k - 1) % games.length) + 1 })),
  );
  const rooms = users.map((u) => ({ id: u.id, ownerId: u.id, width, height, version: 0 }));
  return { games, users, library, rooms };
}

/** Idempotent: running it twice leaves the same rows (existing rooms keep their maps). */
export async function seedDemoData(ds: DataSource, width = 20, height = 20): Promise<void> {
  const d = demoData(width, height);
  await ds.transaction(async (m) => {
    await m.upsert(GameEntity, d.games, ['id']);
    await m.upsert(UserEntity, d.users, ['id']);
    await m.createQueryBuilder().insert().into(LibraryEntryEntity).values(d.library).orIgnore().execute();
    await m.createQueryBuilder().insert().into(RoomEntity).values(d.rooms).orIgnore().execute();
  });
}

/**
 * `npm run seed`: migrates, then loads the demo data (safe to run again), into MySQL in services
 * mode or the SQLite file in embedded mode (where `npm start` also does it by itself).
 */
async function main(): Promise<void> {
  const { loadConfig } = await import('../config/config');
  const { openDatabase } = await import('./data-source');
  const config = loadConfig();
  const ds = await openDatabase(config, true);
  try {
    await seedDemoData(ds, config.rooms.defaultWidth, config.rooms.defaultHeight);
    const where = config.mode === 'embedded' ? config.sqlite.path : 'MySQL';
    console.log(`${where}: seeded users 1-10 (user1…user10), games 1-20, libraries, rooms`);
  } finally {
    await ds.destroy();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error('seed failed:', err);
    process.exit(1);
  });
}
