import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { mintToken } from '../../src/auth/mint';
import { loadConfig } from '../../src/config/config';
import { TestClient } from '../support/client';
import { readJsonLines } from '../support/json-lines';

/**
 * The fresh-machine path of `npm start`: the compiled server, run with an empty environment (no
 * REDIS_URL, MYSQL_URL, RABBITMQ_URL, no JWT_SECRET, no SQLITE_PATH) from an empty directory,
 * must come up in embedded mode on its own, say so, and serve the protocol.
 */

const ROOT = resolve(__dirname, '../..');
const BUILD_TIMEOUT_MS = 120_000;
/** A cold start of a Node process loading Nest, TypeORM and SQLite can take a few seconds. */
const RUN_TIMEOUT_MS = 60_000;

interface Line {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** The server as a child process, with its log lines (pino JSON on stdout) collected as they come. */
class ServerProcess {
  readonly lines: Line[] = [];
  readonly exited: Promise<number | null>;
  private waiters: { pred: (l: Line) => boolean; resolve: (l: Line) => void }[] = [];
  private stderr = '';

  constructor(readonly child: ChildProcess) {
    readJsonLines<Line>(child.stdout!, (line) => this.push({ ...line, msg: String(line.msg ?? '') }));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
  }

  static start(mainJs: string, cwd: string, env: Record<string, string>): ServerProcess {
    return new ServerProcess(spawn(process.execPath, [mainJs], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** The first log line matching `pred`, past or future; fails if the process exits first. */
  line(pred: (l: Line) => boolean): Promise<Line> {
    const seen = this.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      this.waiters.push({ pred, resolve });
      void this.exited.then((code) =>
        reject(new Error(`server exited (${code}) first; stderr: ${this.stderr}; log: ${JSON.stringify(this.lines)}`)),
      );
    });
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }

  private push(line: Line) {
    this.lines.push(line);
    this.waiters = this.waiters.filter((w) => (w.pred(line) ? (w.resolve(line), false) : true));
  }
}

describe('a fresh machine: `npm start` with nothing configured', () => {
  const tag = randomBytes(4).toString('hex');
  const outDir = join(ROOT, 'test-artifacts', `fresh-${tag}`);
  let workDir: string;
  let server: ServerProcess | undefined;
  // What an empty environment gets: the public development secret, so tokens are minted with it.
  const devSecret = loadConfig({}).auth.jwtSecret!;

  beforeAll(async () => {
    // The same compile `npm start` runs first (`nest build` = tsc with tsconfig.json), to a
    // directory of our own inside the repository so that node_modules resolves as from dist/.
    await promisify(execFile)(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json'), '--outDir', outDir],
      { cwd: ROOT },
    );
    workDir = realpathSync(await mkdtemp(join(tmpdir(), `myroom-fresh-${tag}-`)));
  }, BUILD_TIMEOUT_MS);

  afterEach(async () => {
    await server?.stop();
    server = undefined;
  }, RUN_TIMEOUT_MS);

  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const boot = async () => {
    server = ServerProcess.start(join(outDir, 'main.js'), workDir, { PORT: '0' });
    const listening = await server.line((l) => l.msg.startsWith('listening'));
    return { url: listening.url as string, port: listening.port as number };
  };

  it(
    'starts in embedded mode on loopback only, says so and where to go, is ready and serves a room',
    async () => {
      const { url, port } = await boot();
      // With the public development secret, nothing but this machine may reach it.
      expect(url).toBe(`http://127.0.0.1:${port}/`);
      const mode = await server!.line((l) => l.msg.startsWith('embedded single-instance mode'));
      expect(mode.msg).toContain(`maps in ${join(workDir, 'data', 'myroom.sqlite')}`);
      expect(existsSync(join(workDir, 'data', 'myroom.sqlite'))).toBe(true);

      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        status: 'ready',
        checks: { state: 'up', database: 'up', broker: 'up' },
      });

      // The demo data is there: user 1 owns room "1" and may enter it and walk.
      const client = await TestClient.connect(
        `ws://127.0.0.1:${port}/ws`,
        mintToken(devSecret, { userId: '1', name: 'user1' }),
      );
      const welcome = await client.request({ type: 'enter', roomId: '1' });
      expect(welcome).toMatchObject({
        type: 'welcome',
        roomId: '1',
        you: { userId: '1', role: 'player', owner: true },
        map: { version: 0, width: 20, height: 20, objects: [] },
        members: [{ userId: '1', name: 'user1', x: 0, y: 0, role: 'player' }],
      });
      expect(await client.request({ type: 'move', dir: 'down' })).toMatchObject({
        type: 'moved',
        userId: '1',
        x: 0,
        y: 1,
      });
      await client.close();
      expect(await server!.stop()).toBe(0);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'keeps the maps in its SQLite file across a restart',
    async () => {
      let { port } = await boot();
      const token = mintToken(devSecret, { userId: '2', name: 'user2' });
      let client = await TestClient.connect(`ws://127.0.0.1:${port}/ws`, token);
      const welcome = await client.request({ type: 'enter', roomId: '2' });
      const base = (welcome.map as { version: number }).version;
      expect(
        await client.request({
          type: 'build',
          baseVersion: base,
          ops: [{ op: 'place', kind: 'game', x: 5, y: 5, gameId: 3 }],
        }),
      ).toMatchObject({ type: 'ack' });
      await client.close();
      expect(await server!.stop()).toBe(0);

      ({ port } = await boot());
      client = await TestClient.connect(`ws://127.0.0.1:${port}/ws`, token);
      const again = await client.request({ type: 'enter', roomId: '2' });
      expect(again.map).toMatchObject({
        version: base + 1,
        objects: [{ kind: 'game', x: 5, y: 5, w: 2, h: 2, gameId: 3 }],
      });
      // Live state is in memory: after a restart the room's avatars start over, and its seq counts
      // on from above the history the SQLite file kept (the build's event at least), not from 0.
      expect(again).toMatchObject({ members: [{ userId: '2', x: 0, y: 0 }] });
      expect(again.seq).toBeGreaterThanOrEqual((welcome.seq as number) + 2);
      await client.close();
    },
    RUN_TIMEOUT_MS,
  );

  /** The compiled `node <script>` with only `env`: its exit code and what it printed. */
  const run = (script: string, args: string[], env: Record<string, string>) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolveRun) => {
      execFile(process.execPath, [join(outDir, script), ...args], { cwd: workDir, env }, (err, stdout, stderr) => {
        resolveRun({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
      });
    });

  it(
    'refuses to start on the services without a secret, and says how to make one',
    async () => {
      const { code, stderr } = await run('main.js', [], {
        PORT: '0',
        REDIS_URL: 'redis://127.0.0.1:6379',
        MYSQL_URL: 'mysql://root@127.0.0.1:3306/unused',
        NODE_ENV: 'development',
      });
      expect(code).toBe(2);
      expect(stderr).toContain('JWT_SECRET: services mode needs a secret of its own');
      expect(stderr).toContain(`node -e "console.log(require('crypto').randomBytes(48).toString('base64url'))"`);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'refuses the public development secret on an address other machines reach',
    async () => {
      const { code, stderr } = await run('main.js', [], { PORT: '0', HOST: '0.0.0.0' });
      expect(code).toBe(2);
      expect(stderr).toMatch(/HOST: 0\.0\.0\.0 is reachable from other machines.*Set JWT_SECRET/);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    '`npm run token -- <id> --admin` mints a role "admin" token; without a secret to sign with it says why',
    async () => {
      const claims = (token: string) =>
        JSON.parse(Buffer.from(token.trim().split('.')[1], 'base64url').toString()) as Record<string, unknown>;
      const admin = await run('auth/mint-token.js', ['7', 'Ops', '--admin'], {});
      expect(admin.code).toBe(0);
      expect(claims(admin.stdout)).toMatchObject({ sub: '7', name: 'Ops', role: 'admin' });
      const plain = await run('auth/mint-token.js', ['8'], {});
      expect(claims(plain.stdout)).not.toHaveProperty('role');
      const keysOnly = await run('auth/mint-token.js', ['8'], { JWT_JWKS_URL: 'https://id.example/jwks.json' });
      expect(keysOnly.code).toBe(2);
      expect(keysOnly.stderr).toMatch(/signed with JWT_SECRET, which is not set/);
    },
    RUN_TIMEOUT_MS,
  );
});
