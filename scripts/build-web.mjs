#!/usr/bin/env node
/**
 * Bundles the browser client (src/web) into dist/public, which the server serves at `/`:
 * app.js (one file, with its source map), app.css (imported by main.ts) and index.html; and the
 * admin console (src/web/admin) into dist/public/admin, served at `/admin`: admin.js, admin.css,
 * index.html. Runs after `nest build` (which empties dist). `--watch` rebuilds on every change.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src', 'web');
const out = join(root, 'dist', 'public');
const watch = process.argv.includes('--watch');

/** Copies the page's index.html next to its bundle. */
const copyStatic = (from, to) => ({
  name: 'copy-static',
  setup(build) {
    build.onEnd(async (result) => {
      if (result.errors.length) return;
      await copyFile(join(from, 'index.html'), join(to, 'index.html'));
      if (watch) console.log(`web client rebuilt into ${to}`);
    });
  },
});

const adminOut = join(out, 'admin');
await mkdir(adminOut, { recursive: true });
const common = {
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: ['es2020'],
  minify: !watch,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  tsconfig: join(root, 'tsconfig.json'),
};
const pages = [
  { ...common, entryPoints: [join(src, 'main.ts')], outfile: join(out, 'app.js'), plugins: [copyStatic(src, out)] },
  {
    ...common,
    entryPoints: [join(src, 'admin', 'main.ts')],
    outfile: join(adminOut, 'admin.js'),
    plugins: [copyStatic(join(src, 'admin'), adminOut)],
  },
];

if (watch) {
  for (const options of pages) await (await esbuild.context(options)).watch();
  console.log('watching src/web (and what it imports); Ctrl-C to stop');
} else {
  await Promise.all(pages.map((options) => esbuild.build(options)));
}
