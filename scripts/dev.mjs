#!/usr/bin/env node
/**
 * `npm run start:dev`: the server with `nest start --watch`, and the web client rebuilt on every
 * change (scripts/build-web.mjs --watch). Nest empties dist/ when it starts, so the web build
 * starts only once Nest's first compile is there; otherwise its output would be deleted.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const serverEntry = join(root, 'dist', 'main.js');
const children = [];

function run(cmd, args) {
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
  children.push(child);
  child.on('exit', (code) => shutdown(code ?? 0));
  return child;
}

function shutdown(code) {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  process.exitCode = code;
}

process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

// Start from an empty dist/ so "main.js exists" means "Nest has compiled".
rmSync(join(root, 'dist'), { recursive: true, force: true });
run(process.execPath, [join(root, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'start', '--watch']);
const waiting = setInterval(() => {
  if (!existsSync(serverEntry)) return;
  clearInterval(waiting);
  run(process.execPath, [join(root, 'scripts', 'build-web.mjs'), '--watch']);
}, 200);
