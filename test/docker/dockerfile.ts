import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Just enough of the Dockerfile format to replay an image build without a Docker engine: stages,
 * their instructions (continuation lines joined, comments dropped), and `.dockerignore` patterns.
 */
export interface Instruction {
  op: string;
  args: string;
}

export interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`unparsable Dockerfile line: ${line}`);
    const op = m[1].toUpperCase();
    const args = m[2].replace(/\s+/g, ' ').trim();
    if (op === 'FROM') {
      const [image, as, name] = args.split(' ');
      stages.push({ image, ...(as?.toUpperCase() === 'AS' ? { name } : {}), instructions: [] });
    } else {
      if (!stages.length) throw new Error(`${op} before FROM`);
      stages[stages.length - 1].instructions.push({ op, args });
    }
  }
  return stages;
}

/** `COPY [--from=x] src... dest` (the shell form: the Dockerfile uses no JSON form for COPY). */
export function parseCopy(args: string): { from?: string; sources: string[]; dest: string } {
  const words = args.split(' ');
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { ...(from ? { from } : {}), sources: paths.slice(0, -1), dest: paths[paths.length - 1] };
}

/** `ENV a=1 b=2` into an object (the Dockerfile uses the key=value form only). */
export function parseEnv(args: string): Record<string, string> {
  return Object.fromEntries(
    args.split(' ').map((kv) => {
      const i = kv.indexOf('=');
      if (i < 1) throw new Error(`ENV without key=value: ${kv}`);
      return [kv.slice(0, i), kv.slice(i + 1).replace(/^"(.*)"$/, '$1')];
    }),
  );
}

/**
 * `.dockerignore` as Docker reads it: patterns relative to the context root, `*` and `?` within one
 * path segment, `**` across segments, a match on a directory excluding all below it, `!` re-including.
 */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((raw) => {
      const negate = raw.startsWith('!');
      const pattern = posix.normalize((negate ? raw.slice(1) : raw).replace(/^\/+/, '')).replace(/\/+$/, '');
      const source = pattern
        .split('/')
        .map((seg) =>
          seg === '**'
            ? '.*'
            : seg
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/');
      return { negate, re: new RegExp(`^${source.replace(/\.\*\//g, '(?:.*/)?')}(?:/.*)?$`) };
    });
  return (path) => {
    let ignored = false;
    for (const r of rules) if (r.re.test(path)) ignored = !r.negate;
    return ignored;
  };
}

/**
 * Copies `src` (a path in `fromRoot`) as COPY does: a directory's contents go into `dest`, a file
 * goes into `dest` when it names a directory (ends in `/`), else becomes `dest`. `ignored` sees
 * paths relative to `fromRoot`.
 */
export async function copyLikeDocker(
  fromRoot: string,
  src: string,
  toRoot: string,
  dest: string,
  ignored: (p: string) => boolean,
): Promise<string[]> {
  const rel = posix.normalize(src).replace(/^\.\/?|\/+$/g, '');
  if (ignored(rel)) return [];
  const from = join(fromRoot, rel);
  const info = await stat(from);
  if (info.isDirectory()) return copyTree(fromRoot, rel, join(toRoot, dest), ignored);
  const target = dest.endsWith('/') ? join(toRoot, dest, posix.basename(rel)) : join(toRoot, dest);
  await mkdir(dirname(target), { recursive: true });
  await copyFile(from, target);
  return [rel];
}

async function copyTree(
  fromRoot: string,
  rel: string,
  target: string,
  ignored: (p: string) => boolean,
): Promise<string[]> {
  await mkdir(target, { recursive: true });
  const copied: string[] = [];
  for (const entry of await readdir(join(fromRoot, rel), { withFileTypes: true })) {
    const child = posix.join(rel, entry.name);
    if (ignored(child)) continue;
    if (entry.isDirectory()) copied.push(...(await copyTree(fromRoot, child, join(target, entry.name), ignored)));
    else if (entry.isFile()) {
      await copyFile(join(fromRoot, child), join(target, entry.name));
      copied.push(child);
    }
  }
  return copied;
}

/** `COPY --from=<stage>`: a whole tree of a finished stage, fast (node_modules has many files). */
export async function copyFromStage(stageRoot: string, src: string, toRoot: string, dest: string): Promise<void> {
  const from = join(stageRoot, posix.normalize(src).replace(/^\/app\/?/, ''));
  const info = await stat(from);
  const target =
    info.isDirectory() || dest.endsWith('/')
      ? join(toRoot, dest, info.isDirectory() ? '' : posix.basename(src))
      : join(toRoot, dest);
  await mkdir(info.isDirectory() ? target : dirname(target), { recursive: true });
  await run('cp', ['-a', info.isDirectory() ? `${from}/.` : from, target]);
}
