#!/usr/bin/env node
/**
 * Bundles the browser client (src/web) into dist/public, which the server serves at `/`:
 * app.js (one file, with its source map), app.css (imported by main.ts) and index.html. Runs after `nest build`
 * (which empties dist). `--watch` rebuilds on every change.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src', 'web');
const out = join(root, 'dist', 'public');
const watch = process.argv.includes('--watch');

const copyStatic = {
  name: 'copy-static',
  setup(build) {
    build.onEnd(async (result) => {
      if (result.errors.length) return;
      await copyFile(join(src, 'index.html'), join(out, 'index.html'));
      if (watch) console.log(`web client rebuilt into ${out}`);
    });
  },
};

await mkdir(out, { recursive: true });
const options = {
  entryPoints: [join(src, 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: ['es2020'],
  minify: !watch,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  tsconfig: join(root, 'tsconfig.json'),
  plugins: [copyStatic],
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log('watching src/web (and what it imports); Ctrl-C to stop');
} else {
  await esbuild.build(options);
}
