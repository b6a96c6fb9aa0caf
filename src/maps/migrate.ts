/** `npm run db:migrate`: brings the database named by MYSQL_URL up to the latest migration. */
import { loadConfig } from '../config/config';
import { openDatabase } from './data-source';

async function main(): Promise<void> {
  const config = loadConfig();
  const ds = await openDatabase(config, false);
  try {
    const done = await ds.runMigrations({ transaction: 'each' });
    console.log(done.length ? `applied: ${done.map((m) => m.name).join(', ')}` : 'schema is up to date');
  } finally {
    await ds.destroy();
  }
}

main().catch((err) => {
  console.error('migration failed:', err);
  process.exit(1);
});
