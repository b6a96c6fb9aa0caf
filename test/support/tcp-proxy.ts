import net from 'node:net';

/**
 * A TCP forwarder in front of a test server, to cut connections the way a network does (the
 * client sees 1006, the server a dead socket), to point clients at another server, and to stall:
 * a black-holed path, where connections are accepted and bytes sent but nothing arrives either
 * way, and no error tells anyone (the fault only timeouts and heartbeats can find).
 */
export class TcpProxy {
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private refusing = false;
  private stalled = false;
  /** Connections accepted while stalled, put through once the stall ends. */
  private held: net.Socket[] = [];

  private constructor(
    private readonly server: net.Server,
    private target: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    const server = net.createServer();
    const proxy = new TcpProxy(server, targetPort);
    server.on('connection', (down) => proxy.accept(down));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** New connections go to this port from now on. */
  retarget(port: number): void {
    this.target = port;
  }

  /** While true, new connections are accepted and closed at once (a server that is away). */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  /**
   * While true, nothing is forwarded either way on open connections, and new ones are accepted
   * but not put through. Bytes sent meanwhile wait in the proxy and go on when the stall ends,
   * as a healed path delivers what TCP retransmits, unless an end closed its socket first.
   */
  stall(on: boolean): void {
    if (on === this.stalled) return;
    this.stalled = on;
    for (const [down, up] of this.pairs) {
      if (on) {
        down.unpipe(up);
        up.unpipe(down);
        down.pause();
        up.pause();
      } else {
        down.pipe(up);
        up.pipe(down);
      }
    }
    if (!on) for (const down of this.held.splice(0)) if (!down.destroyed) this.connect(down);
  }

  /** Cuts every open connection, both ways. */
  dropAll(): void {
    for (const down of this.held.splice(0)) down.destroy();
    for (const [down, up] of this.pairs) {
      down.destroy();
      up.destroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(down: net.Socket): void {
    if (this.refusing) {
      down.destroy();
      return;
    }
    if (this.stalled) {
      down.pause();
      down.on('error', () => down.destroy());
      this.held.push(down);
      return;
    }
    this.connect(down);
  }

  private connect(down: net.Socket): void {
    const up = net.connect(this.target, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [down, up];
    this.pairs.add(pair);
    const end = () => {
      down.destroy();
      up.destroy();
      this.pairs.delete(pair);
    };
    down.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
    down.pipe(up);
    up.pipe(down);
  }
}
