import net from 'node:net';

/**
 * A TCP forwarder in front of a test server, to cut connections the way a network does (the
 * client sees 1006, the server a dead socket) and to point clients at another server.
 */
export class TcpProxy {
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private refusing = false;

  private constructor(private readonly server: net.Server, private target: number) {}

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

  /** Cuts every open connection, both ways. */
  dropAll(): void {
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
