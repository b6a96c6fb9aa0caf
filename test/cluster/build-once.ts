import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The cluster tests run `node dist/main.js`: build it from the current sources first. */
export default function buildOnce(): void {
  const started = Date.now();
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: resolve(__dirname, '../..'), stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`\nbuilt dist/ for the cluster tests in ${Date.now() - started} ms`);
}
