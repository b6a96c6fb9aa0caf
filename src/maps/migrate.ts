/**
 * `npm run db:migrate`: brings the database up to the latest migration: MySQL (MYSQL_URL) in
 * services mode, the SQLite file (SQLITE_PATH) in embedded mode.
 */
import { loadConfig } from '../config/config';
import { openDatabase } from './data-source';

async function main(): Promise<void> {
  const config = loadConfig();
  const ds = await openDatabase(config, false);
  try {
    const done = await ds.runMigrations({ transaction: 'each' });
    const where = config.mode === 'embedded' ? config.sqlite.path : 'MySQL';
    console.log(`${where}: ${done.length ? `applied ${done.map((m) => m.name).join(', ')}` : 'schema is up to date'}`);
  } finally {
    await ds.destroy();
  }
}

main().catch((err) => {
  console.error('migration failed:', err);
  process.exit(1);
});
