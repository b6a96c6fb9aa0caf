import * as amqp from 'amqplib';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The node start script itself: the /usr/sbin wrapper would switch to the rabbitmq user. */
const RABBITMQ_SERVER = process.env.RABBITMQ_SERVER_BIN ?? '/usr/lib/rabbitmq/bin/rabbitmq-server';

/**
 * A RabbitMQ node of a test's own, for faults that must hit the broker process itself (kill -9)
 * without touching the shared broker the other tests use. Its own node name, AMQP and
 * distribution ports, data and log directories, config (no plugins: the fan-out speaks AMQP 0-9-1
 * only) and Erlang cookie (its HOME is the temp dir); it registers with the machine's epmd like
 * any other node. Started again after a kill it finds its data (the streams and what they hold)
 * where it left them, as a restarted broker does.
 */
export class PrivateRabbit {
  private proc?: ChildProcess;
  private output = '';

  private constructor(
    readonly dir: string,
    readonly nodeName: string,
    readonly port: number,
    private readonly distPort: number,
  ) {}

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PrivateRabbit> {
    const dir = mkdtempSync(join(tmpdir(), 'myroom-rabbit-'));
    const node = new PrivateRabbit(
      dir,
      `myroomtest${randomBytes(4).toString('hex')}@localhost`,
      ...(await twoFreePorts()),
    );
    for (const sub of ['mnesia', 'log']) mkdirSync(join(dir, sub));
    writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${node.port}\n`);
    writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
    writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
    try {
      await node.boot();
    } catch (err) {
      await node.destroy();
      throw err;
    }
    return node;
  }

  get running(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Starts the node (again) on the same ports and data; resolves once it accepts AMQP connections. */
  async boot(timeoutMs = 60_000): Promise<void> {
    if (this.running) throw new Error('the private RabbitMQ node is already running');
    const d = this.dir;
    this.output = '';
    // Its own process group, so that a kill reaches the Erlang VM and its helpers, not just the script.
    const proc = spawn(RABBITMQ_SERVER, [], {
      cwd: d,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        HOME: d,
        RABBITMQ_NODENAME: this.nodeName,
        RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
        RABBITMQ_NODE_PORT: String(this.port),
        RABBITMQ_DIST_PORT: String(this.distPort),
        RABBITMQ_MNESIA_BASE: join(d, 'mnesia'),
        RABBITMQ_LOG_BASE: join(d, 'log'),
        RABBITMQ_CONFIG_FILE: join(d, 'rabbitmq.conf'),
        RABBITMQ_CONF_ENV_FILE: join(d, 'rabbitmq-env.conf'),
        RABBITMQ_ENABLED_PLUGINS_FILE: join(d, 'enabled_plugins'),
        ERL_EPMD_ADDRESS: '127.0.0.1',
      },
    });
    this.proc = proc;
    for (const out of [proc.stdout!, proc.stderr!])
      out.on('data', (chunk: Buffer) => {
        this.output = (this.output + chunk.toString()).slice(-8000);
      });
    const deadline = Date.now() + timeoutMs;
    while (!(await accepts(this.port))) {
      if (!this.running || Date.now() > deadline) {
        const why = this.running ? `not listening after ${timeoutMs} ms` : 'exited';
        this.killNow();
        throw new Error(`private RabbitMQ node ${this.nodeName} ${why}:\n${this.output}\n${this.logTail()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Gives the node's stream coordinator a durable start: declares a throwaway stream (the first
   * stream starts the coordinator), then stops the node politely and boots it again. Seen with
   * RabbitMQ 3.10: a node killed (-9) within seconds of its first stream sometimes boots without
   * its stream coordinator, and every stream then answers NOT_FOUND ("home node ... is down or
   * inaccessible") for good; a node that has been stopped cleanly once recovers its streams.
   */
  async settleStreams(): Promise<void> {
    const conn = await amqp.connect(this.url);
    const ch = await conn.createChannel();
    await ch.assertQueue('myroom-test-warmup', { durable: true, arguments: { 'x-queue-type': 'stream' } });
    await ch.deleteQueue('myroom-test-warmup');
    await conn.close();
    await this.stop();
    await this.boot();
  }

  /** SIGTERM: the node shuts down cleanly; resolves once it is gone. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || !this.running) return;
    const exited = new Promise((r) => proc.once('exit', r));
    process.kill(-proc.pid!, 'SIGTERM');
    await exited;
    while (await accepts(this.port)) await new Promise((r) => setTimeout(r, 50));
  }

  /** kill -9 of the whole node (the Erlang VM and its helper processes); resolves once it is gone. */
  async kill9(): Promise<void> {
    const proc = this.proc;
    if (!proc || !this.running) return;
    const exited = new Promise((r) => proc.once('exit', r));
    this.killNow();
    await exited;
    // The VM itself is a child of the start script: wait until the port is really closed.
    while (await accepts(this.port)) await new Promise((r) => setTimeout(r, 50));
  }

  async destroy(): Promise<void> {
    await this.kill9();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private killNow(): void {
    try {
      if (this.proc?.pid) process.kill(-this.proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  private logTail(): string {
    try {
      return readFileSync(join(this.dir, 'log', `${this.nodeName}.log`), 'utf8').slice(-4000);
    } catch {
      return '';
    }
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Two distinct free loopback ports, both held open while the second is chosen. */
async function twoFreePorts(): Promise<[number, number]> {
  const servers = [createServer(), createServer()];
  const ports = await Promise.all(
    servers.map(
      (srv) =>
        new Promise<number>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen(0, '127.0.0.1', () => resolve((srv.address() as { port: number }).port));
        }),
    ),
  );
  await Promise.all(servers.map((srv) => new Promise((r) => srv.close(r))));
  return [ports[0], ports[1]];
}
