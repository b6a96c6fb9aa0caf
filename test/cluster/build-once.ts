import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((f) => newestMtime(join(path, f))));
}

/** The cluster tests run `node dist/main.js`: (re)build it unless it is newer than every source. */
export default function buildOnce(): void {
  const main = join(ROOT, 'dist/main.js');
  const sources = ['src', 'tsconfig.json', 'nest-cli.json', 'package.json'].map((p) => newestMtime(join(ROOT, p)));
  if (existsSync(main) && statSync(main).mtimeMs > Math.max(...sources)) return;
  const started = Date.now();
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`\nbuilt dist/ for the cluster tests in ${Date.now() - started} ms`);
}
