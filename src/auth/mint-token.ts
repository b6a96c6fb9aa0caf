/**
 * Prints a signed token for trying the server by hand:
 * `npm run token -- <userId> [name] [ttlSeconds] [--admin]`.
 * Uses the same JWT_SECRET the server reads (the development secret when nothing is set, in
 * embedded mode); `--admin` adds the `"role": "admin"` claim.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config';
import { MintingUnavailableError, mintToken, signingSecret } from './mint';

const USAGE = 'usage: npm run token -- <userId> [name] [ttlSeconds] [--admin]';

function main(): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      options: { admin: { type: 'boolean', default: false } },
      allowPositionals: true,
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const [userId, name, ttl] = parsed.positionals;
  const ttlSeconds = ttl ? Number(ttl) : 24 * 3600;
  if (!userId || !Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    console.error(USAGE);
    return 2;
  }
  try {
    const secret = signingSecret(loadConfig().auth);
    const identity = {
      userId,
      name: name ?? `user${userId}`,
      ...(parsed.values.admin ? { role: 'admin' as const } : {}),
    };
    process.stdout.write(mintToken(secret, identity, ttlSeconds) + '\n');
    return 0;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof MintingUnavailableError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
}

process.exitCode = main();
