import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { mintToken } from '../../src/auth/mint';
import type { Frame } from '../support/client';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../support/server';
import { readJsonLines } from '../support/json-lines';

/**
 * `npm run client` as a person scripts it: the compiled CLI in child processes with piped stdio,
 * commands written to stdin, one JSON line per server frame read from stdout.
 */

const ROOT = resolve(__dirname, '../..');
const COMPILE_TIMEOUT_MS = 120_000;

/**
 * The CLI and what it imports, compiled by tsc with the build's tsconfig into a directory of our
 * own inside the repository (so `ws` resolves from node_modules as from dist/), rather than
 * dist/ itself, which `npm run build` or another test may be rewriting meanwhile.
 */
async function compileCli(outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const tsconfig = join(outDir, 'tsconfig.json');
  await writeFile(
    tsconfig,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { outDir, rootDir: join(ROOT, 'src'), sourceMap: false },
      files: [join(ROOT, 'src/client/cli.ts')],
      include: [],
    }),
  );
  await promisify(execFile)(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', tsconfig], { cwd: ROOT });
  return join(outDir, 'client', 'cli.js');
}

/** One terminal: the CLI as a child process, its stdout frames and stderr text collected. */
class Terminal {
  readonly frames: Frame[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  private waiters: (() => void)[] = [];

  constructor(readonly child: ChildProcess) {
    readJsonLines<Frame>(
      child.stdout!,
      (frame) => this.frames.push(frame),
      () => this.wake(),
    );
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.wake();
    });
    this.exited = new Promise((r) =>
      child.once('exit', (code) => {
        r(code);
        this.wake();
      }),
    );
  }

  /** A line written to the CLI's stdin, as a person would type it. */
  type(line: string): void {
    this.child.stdin!.write(line + '\n');
  }

  /** The first frame printed (so far or later) that matches `pred`. */
  frame(pred: (f: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    return this.until(() => this.frames.find(pred), timeoutMs);
  }

  /** Resolves once stderr contains `text`. */
  said(text: string, timeoutMs = 10_000): Promise<string> {
    return this.until(() => (this.stderr.includes(text) ? this.stderr : undefined), timeoutMs);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }

  private until<T>(found: () => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = found();
        if (hit !== undefined) {
          clearTimeout(timer);
          resolve(hit);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out; stdout: ${JSON.stringify(this.frames)}; stderr: ${this.stderr}`));
      }, timeoutMs);
      const waiter = () => {
        if (check()) this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      if (!check()) this.waiters.push(waiter);
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

const isType = (type: string) => (f: Frame) => f.type === type;
const objectsOf = (f: Frame) => (f.map as { objects: { id: string; kind: string; x: number; y: number }[] }).objects;

describe('the terminal client (`npm run client`), piped', () => {
  const outDir = join(ROOT, 'test-artifacts', `cli-${randomBytes(4).toString('hex')}`);
  let cliJs: string;
  let server: TestServer;
  const terminals: Terminal[] = [];

  const open = (args: string[], env: NodeJS.ProcessEnv = process.env) => {
    const t = new Terminal(
      spawn(process.execPath, [cliJs, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] }),
    );
    terminals.push(t);
    return t;
  };
  const asUser = (userId: number, room: string, ...more: string[]) =>
    open(['--room', room, '--url', server.wsUrl, '--token', server.token(userId), ...more]);

  beforeAll(async () => {
    [cliJs, server] = await Promise.all([compileCli(outDir), startTestServer()]);
  }, COMPILE_TIMEOUT_MS);

  afterEach(async () => {
    await Promise.all(terminals.splice(0).map((t) => t.stop()));
  });

  afterAll(async () => {
    await server?.close();
    await rm(outDir, { recursive: true, force: true });
  });

  it('two terminals: the visitor walks and the owner sees `moved`; the owner builds and removes a wall and both see `built`', async () => {
    const owner = asUser(1, '1');
    const welcome = await owner.frame(isType('welcome'));
    expect(welcome).toMatchObject({ roomId: '1', you: { userId: '1', role: 'player', owner: true } });
    const visitor = asUser(2, '1');
    await visitor.frame(isType('welcome'));
    await owner.frame((f) => f.type === 'entered' && (f.member as { userId: string }).userId === '2');

    visitor.type('move right');
    const mine = await visitor.frame((f) => f.type === 'moved' && f.userId === '2');
    expect(mine).toMatchObject({ x: 1, y: 0, dir: 'right', id: expect.any(String) });
    await expect(owner.frame((f) => f.type === 'moved' && f.userId === '2')).resolves.toMatchObject({
      seq: mine.seq,
      x: 1,
      y: 0,
    });

    // w/a/s/d work too; a step off the map is refused, and the refusal is a frame like any other.
    visitor.type('a');
    visitor.type('a');
    await expect(visitor.frame((f) => f.type === 'error')).resolves.toMatchObject({ code: 'BLOCKED', x: 0, y: 0 });

    owner.type('build wall 3 4');
    const built = await owner.frame(isType('built'));
    expect(objectsOf(built)).toEqual([expect.objectContaining({ kind: 'wall', x: 3, y: 4 })]);
    await expect(visitor.frame(isType('built'))).resolves.toMatchObject({ seq: built.seq, map: { version: 1 } });
    await owner.frame(isType('ack'));

    // Input the client cannot act on is explained on stderr; it keeps going.
    owner.type('fly away');
    owner.type('remove 9 9');
    await owner.said('unknown command "fly"');
    await owner.said('no object covers (9,9)');

    owner.type(`remove ${objectsOf(built)[0].id}`);
    const removed = await visitor.frame((f) => f.type === 'built' && (f.seq as number) > (built.seq as number));
    expect(removed).toMatchObject({ map: { version: 2, objects: [] } });
    await owner.frame((f) => f.type === 'built' && f.seq === removed.seq);

    // A chat line goes to everyone, as plain text.
    visitor.type('say hello <b>owner</b>');
    const said = await owner.frame(isType('said'));
    expect(said).toMatchObject({ userId: '2', text: 'hello <b>owner</b>' });
    await expect(visitor.frame((f) => f.type === 'said' && f.seq === said.seq)).resolves.toMatchObject({
      id: expect.any(String),
    });

    // End of input quits: the visitor leaves, and the owner sees it.
    visitor.child.stdin!.end();
    await expect(visitor.exited).resolves.toBe(0);
    await expect(owner.frame(isType('left'))).resolves.toMatchObject({ userId: '2', reason: 'leave' });
    owner.type('quit');
    await expect(owner.exited).resolves.toBe(0);
    expect(owner.stderr).not.toMatch(/connection closed/);
  });

  it('a bad token: exits non-zero, says the server refused it, and prints no frame', async () => {
    const forged = mintToken('some-other-secret-0123456789-0123456789', { userId: '1', name: 'user1' });
    for (const token of [forged, 'not-a-jwt']) {
      const t = open(['--room', '1', '--url', server.wsUrl, '--token', token]);
      await expect(t.exited).resolves.toBe(1);
      expect(t.stderr).toContain('the server refused the token (HTTP 401)');
      expect(t.stderr).toContain('npm run token');
      expect(t.frames).toEqual([]);
    }
  });

  it('nothing listening at --url: exits non-zero and says so', async () => {
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const { port } = free.address() as { port: number };
    await new Promise((r) => free.close(r));
    const t = open(['--room', '1', '--url', `ws://127.0.0.1:${port}/ws`, '--token', server.token(1)]);
    await expect(t.exited).resolves.toBe(1);
    expect(t.stderr).toContain('connection refused');
  });

  it('an unknown room: prints the ROOM_NOT_FOUND frame, says so in words and exits non-zero', async () => {
    const t = asUser(1, 'no-such-room');
    await expect(t.exited).resolves.toBe(1);
    expect(t.frames).toEqual([expect.objectContaining({ type: 'error', code: 'ROOM_NOT_FOUND' })]);
    expect(t.stderr).toContain('could not enter room no-such-room: no such room');
  });

  it('--user mints the token with JWT_SECRET; --spectator watches and may not move', async () => {
    const t = open(['--room', '5', '--url', server.wsUrl, '--user', '5', '--spectator'], {
      PATH: process.env.PATH,
      JWT_SECRET: TEST_JWT_SECRET,
    });
    await expect(t.frame(isType('welcome'))).resolves.toMatchObject({
      you: { userId: '5', role: 'spectator' },
      members: [],
    });
    t.type('w');
    await expect(t.frame(isType('error'))).resolves.toMatchObject({ code: 'FORBIDDEN' });
    t.type('quit');
    await expect(t.exited).resolves.toBe(0);
  });

  it('--replay <seq> plays the room from there at --speed, then says it ended; a bad point exits 2', async () => {
    const owner = asUser(8, '8');
    await owner.frame(isType('welcome'));
    owner.type('d');
    owner.type('s');
    const last = await owner.frame((f) => f.type === 'moved' && f.y === 1);
    // The first step's seq: the room's first snapshot follows its first event (the owner's entry).
    const first = owner.frames.find(isType('moved'))!.seq as number;
    const t = asUser(9, '8', '--replay', String(first), '--speed', '16');
    await expect(t.frame(isType('welcome'))).resolves.toMatchObject({ replay: true, seq: first, roomId: '8' });
    await expect(t.frame(isType('replay-end'))).resolves.toEqual({ type: 'replay-end', roomId: '8', seq: last.seq });
    expect(t.frames.filter(isType('moved')).map((f) => f.seq)).toEqual([last.seq]);
    t.type('quit');
    await expect(t.exited).resolves.toBe(0);

    const bad = asUser(9, '8', '--replay', 'yesterday');
    await expect(bad.exited).resolves.toBe(2);
    expect(bad.stderr).toContain('--replay takes a seq');
  });

  it('bad arguments: exits 2 with the usage', async () => {
    const t = open(['--url', server.wsUrl, '--token', server.token(1)]);
    await expect(t.exited).resolves.toBe(2);
    expect(t.stderr).toContain('pass --room');
    expect(t.stderr).toContain('usage: npm run client');
  });
});
