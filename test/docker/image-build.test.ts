import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config/config';
import { deleteBrokerQueues } from '../support/rabbit';
import { createTestEnv, SERVICES, type TestEnv } from '../support/server';
import { readJsonLines } from '../support/json-lines';
import {
  copyFromStage,
  copyLikeDocker,
  dockerignore,
  parseCopy,
  parseDockerfile,
  parseEnv,
  type Stage,
} from './dockerfile';

/**
 * The image, built without a Docker engine: docker/Dockerfile's build stage is replayed in a
 * scratch directory holding only what its COPY lines bring in (through .dockerignore), its RUN
 * commands run there, its final stage's COPY --from lines assemble the runtime tree, and the
 * image's CMD starts from that tree. A file the build needs but the Dockerfile forgets to copy
 * fails here as it would in `docker build`. Then the compose file's commands run from the same
 * tree, on this machine's services.
 *
 * `npm ci` installs better-sqlite3's prebuilt binary when it can download one, and compiles SQLite
 * from source (minutes) when it cannot, as on a machine without access to GitHub. The replay takes
 * the prebuilt path, as `docker build` on a connected machine does: the binary this checkout's own
 * install holds is offered as the local prebuild when it is the same version (see `localPrebuild`).
 */
const ROOT = resolve(__dirname, '../..');
const BUILD_MS = 8 * 60_000;
const BOOT_MS = 60_000;
/** The base image's toolchain step: this machine has python3, make and g++ already. */
const SYSTEM_PACKAGES = /^apt-get\b/;

interface ComposeService {
  build?: { context: string; dockerfile: string };
  image?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}

const composeText = () => readFile(join(ROOT, 'docker/compose.yaml'), 'utf8');

describe('docker/Dockerfile, built and run without a Docker engine', () => {
  let scratch: string;
  let buildRoot: string;
  let imageRoot: string;
  let stages: Stage[];
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    stages = parseDockerfile(await readFile(join(ROOT, 'docker/Dockerfile'), 'utf8'));
    scratch = await mkdtemp(join(tmpdir(), 'myroom-image-'));
    buildRoot = join(scratch, 'build');
    imageRoot = join(scratch, 'image');
    await mkdir(buildRoot);
    await mkdir(imageRoot);
    const ignored = dockerignore(await readFile(join(ROOT, '.dockerignore'), 'utf8').catch(() => ''));
    const [build, final] = stages;
    expect(stages).toHaveLength(2);
    const prebuilt = await localPrebuild(join(scratch, 'prebuilds'));
    for (const { op, args } of build.instructions) {
      if (op === 'WORKDIR') expect(args).toBe('/app');
      if (op === 'COPY') {
        const copy = parseCopy(args);
        for (const src of copy.sources) await copyLikeDocker(ROOT, src, buildRoot, copy.dest, ignored);
      }
      if (op === 'RUN' && !SYSTEM_PACKAGES.test(args)) await sh(offline(args), buildRoot, prebuilt);
    }
    for (const { op, args } of final.instructions) {
      if (op === 'WORKDIR') expect(args).toBe('/app');
      if (op === 'COPY') {
        const copy = parseCopy(args);
        expect(copy.from).toBe(build.name);
        for (const src of copy.sources) await copyFromStage(buildRoot, src, imageRoot, copy.dest);
      }
    }
  }, BUILD_MS);

  afterAll(async () => {
    for (const p of running) if (p.exitCode === null) p.kill('SIGKILL');
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('the build stage saw only what the Dockerfile copies, and pruned the dev dependencies', () => {
    expect(existsSync(join(buildRoot, 'test'))).toBe(false);
    expect(existsSync(join(buildRoot, 'docker'))).toBe(false);
    expect(existsSync(join(imageRoot, 'dist/main.js'))).toBe(true);
    expect(existsSync(join(imageRoot, 'node_modules/better-sqlite3'))).toBe(true);
    // Dev dependencies are gone from what ships.
    expect(existsSync(join(imageRoot, 'node_modules/jest'))).toBe(false);
    expect(existsSync(join(imageRoot, 'node_modules/typescript'))).toBe(false);
    expect(existsSync(join(imageRoot, 'src'))).toBe(false);
  });

  it(
    'its CMD serves /health/ready and the web client in embedded mode, its database where the image lets the node user write',
    async () => {
      const final = stages[1];
      const env = { ...parseEnv(final.instructions.find((i) => i.op === 'ENV')!.args) };
      expect(env.NODE_ENV).toBe('production');
      // The default SQLITE_PATH is relative to the WORKDIR: the final stage must hand that directory to its USER.
      const embedded = loadConfig({});
      if (embedded.mode !== 'embedded') throw new Error('an empty environment must mean embedded mode');
      const dataDir = dirname(relative(process.cwd(), embedded.sqlite.path));
      const user = final.instructions
        .filter((i) => i.op === 'USER')
        .map((i) => i.args)
        .pop();
      const runs = final.instructions
        .filter((i) => i.op === 'RUN')
        .map((i) => i.args)
        .join(' && ');
      expect(runs).toContain(`mkdir -p /app/${dataDir}`);
      expect(runs).toContain(`chown ${user}:${user} /app/${dataDir}`);
      const cmd = JSON.parse(final.instructions.find((i) => i.op === 'CMD')!.args) as string[];
      const server = await startImage(cmd, {
        ...env,
        PORT: '0',
        HOST: '127.0.0.1',
        JWT_SECRET: randomBytes(24).toString('hex'),
      });
      try {
        expect(server.mode).toBe('embedded');
        expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
        const page = await fetch(`${server.url}/`);
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/text\/html/);
        expect(await page.text()).toMatch(/<script/);
        expect(existsSync(join(imageRoot, dataDir, 'myroom.sqlite'))).toBe(true);
      } finally {
        expect(await server.stop()).toBe(0);
      }
    },
    BOOT_MS,
  );

  describe("docker/compose.yaml, run from the image tree on this machine's services", () => {
    let services: Record<string, ComposeService>;
    let test: TestEnv;
    const jwtSecret = randomBytes(24).toString('hex');
    const streamPrefix = `t-compose-${randomBytes(4).toString('hex')}`;

    beforeAll(async () => {
      services = (parse(await composeText(), { merge: true }) as { services: Record<string, ComposeService> }).services;
      test = await createTestEnv('services');
    });
    afterAll(async () => {
      await test?.dropAll();
      await deleteBrokerQueues(streamPrefix, 8, ['app1']);
    });

    /** A service's environment with compose's `${VAR:?…}` filled in and its hosts pointed at this machine. */
    function localEnv(service: ComposeService): Record<string, string> {
      const env = Object.fromEntries(
        Object.entries(service.environment ?? {}).map(([k, v]) => [
          k,
          String(v).replace(/\$\{JWT_SECRET[^}]*\}/, jwtSecret),
        ]),
      );
      return {
        ...env,
        ...(env.REDIS_URL ? { REDIS_URL: SERVICES.redis, REDIS_KEY_PREFIX: test.keyPrefix } : {}),
        ...(env.MYSQL_URL ? { MYSQL_URL: test.databaseUrl } : {}),
        ...(env.RABBITMQ_URL ? { RABBITMQ_URL: SERVICES.rabbitmq, RABBITMQ_STREAM_PREFIX: streamPrefix } : {}),
      };
    }

    it('every built service runs a file that the image has, with variables the config accepts', async () => {
      const built = Object.entries(services).filter(([, s]) => s.build);
      expect(built.map(([n]) => n)).toEqual(expect.arrayContaining(['migrate', 'app1', 'app2', 'app3']));
      for (const [name, s] of built) {
        expect({ name, dockerfile: s.build!.dockerfile }).toEqual({ name, dockerfile: 'docker/Dockerfile' });
        const argv = [...(s.entrypoint ?? []), ...(s.command ?? [])];
        for (const file of argv.filter((a) => /\.m?js$/.test(a)))
          expect({ name, file, exists: existsSync(join(imageRoot, file)) }).toEqual({ name, file, exists: true });
        const unknown = Object.keys(s.environment ?? {}).filter((k) => !CONFIG_VARIABLES.includes(k));
        expect({ name, unknown }).toEqual({ name, unknown: [] });
        expect(() => loadConfig(localEnv(s))).not.toThrow();
      }
    });

    it("the gateway's mounted configuration is in the repository", () => {
      for (const [name, s] of Object.entries(services)) {
        for (const volume of s.volumes ?? []) {
          const source = volume.split(':')[0];
          if (source.startsWith('.'))
            expect({ name, source, exists: existsSync(join(ROOT, 'docker', source)) }).toEqual({
              name,
              source,
              exists: true,
            });
        }
      }
      expect(services.gateway.volumes).toContain('./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
    });

    it(
      "the migrate service migrates and seeds MySQL, then an instance with app1's environment is ready",
      async () => {
        const migrate = services.migrate;
        await sh(migrate.command!.join(' '), imageRoot, localEnv(migrate));
        const cmd = JSON.parse(stages[1].instructions.find((i) => i.op === 'CMD')!.args) as string[];
        const app = await startImage(cmd, {
          ...localEnv(services.app1),
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'info',
        });
        try {
          expect(app.mode).toBe('services');
          const ready = await fetch(`${app.url}/health/ready`);
          expect(ready.status).toBe(200);
          expect(await ready.json()).toMatchObject({ checks: { state: 'up', database: 'up', broker: 'up' } });
        } finally {
          expect(await app.stop()).toBe(0);
        }
      },
      BOOT_MS,
    );
  });

  /** `npm ci` from the local cache first: the registry is asked only for what the cache lacks. */
  function offline(command: string): string {
    return command.replace(/\bnpm ci\b/, 'npm ci --prefer-offline');
  }

  /**
   * The environment that makes better-sqlite3's install (prebuild-install) take a prebuilt binary
   * from `dir`: this checkout's own, packed as a release asset is, when the lockfile asks for the
   * version installed here (same Node ABI, platform and architecture: the machine is the same).
   * Otherwise none, and `npm ci` compiles it. prebuild-install loads the binary before it accepts it.
   */
  async function localPrebuild(dir: string): Promise<Record<string, string>> {
    const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    const wanted = lock.packages['node_modules/better-sqlite3']?.version;
    const installed = join(ROOT, 'node_modules/better-sqlite3');
    const { version } = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as { version: string };
    const binary = 'build/Release/better_sqlite3.node';
    if (!wanted || version !== wanted || !existsSync(join(installed, binary))) return {};
    await mkdir(dir);
    const asset = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
    await sh(`tar -czf '${join(dir, asset)}' -C '${installed}' ${binary}`, ROOT);
    return { npm_config_better_sqlite3_local_prebuilds: dir };
  }

  /** Runs a command in `cwd` with a clean environment (no NODE_ENV=test, no npm_config_* of the test runner). */
  function sh(command: string, cwd: string, env: Record<string, string> = {}): Promise<void> {
    return new Promise((resolveRun, reject) => {
      const child = spawn('sh', ['-c', command], {
        cwd,
        env: { ...baseEnv(), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      running.push(child);
      let output = '';
      child.stdout.on('data', (d: Buffer) => {
        output = (output + d.toString()).slice(-8000);
      });
      child.stderr.on('data', (d: Buffer) => {
        output = (output + d.toString()).slice(-8000);
      });
      child.on('close', (code) =>
        code === 0 ? resolveRun() : reject(new Error(`\`${command}\` exited with ${code}:\n${output}`)),
      );
    });
  }

  /** Starts the image's CMD from the image tree; resolves once it logs where it listens. */
  function startImage(cmd: string[], env: Record<string, string>) {
    const child = spawn(cmd[0], cmd.slice(1), {
      cwd: imageRoot,
      env: { ...baseEnv(), LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const listening = new Promise<{ url: string; mode: string }>((resolveStart, reject) => {
      readJsonLines<{ msg?: string; port?: number; mode?: string }>(child.stdout!, (line) => {
        if (line.msg?.startsWith('listening') && line.port)
          resolveStart({ url: `http://127.0.0.1:${line.port}`, mode: line.mode! });
      });
      void exited.then((code) => reject(new Error(`the server exited with ${code} before listening:\n${stderr}`)));
    });
    return listening.then((info) => ({
      ...info,
      /** SIGTERM, as `docker stop` sends (the image's STOPSIGNAL): the exit code of the drain. */
      async stop() {
        child.kill('SIGTERM');
        return exited;
      },
    }));
  }
});

function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG'];
  return Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]!]));
}
