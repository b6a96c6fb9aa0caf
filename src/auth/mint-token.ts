/**
 * Prints a signed token for trying the server by hand: `npm run token -- 3 [name] [ttlSeconds]`.
 * Uses the same JWT_SECRET the server reads (the development default when it is unset).
 */
import { loadConfig } from '../config/config';
import { mintToken } from './token.service';

function main(): void {
  const [userId, name, ttl] = process.argv.slice(2);
  if (!userId) {
    console.error('usage: npm run token -- <userId> [name] [ttlSeconds]');
    process.exit(2);
  }
  const config = loadConfig();
  process.stdout.write(mintToken(config.jwtSecret, { userId, name: name ?? `user${userId}` }, ttl ? Number(ttl) : 24 * 3600) + '\n');
}

main();
