import { readFileSync } from 'node:fs';
import { createServer, type Server, Socket } from 'node:net';

function listen(server: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * A port below the kernel's ephemeral range, where no `listen(0)` or outgoing connection of
 * another test can take it: the proxy closes its port while the service is "down" and listens on
 * it again afterwards, and a port from the ephemeral range could be gone by then (EADDRINUSE).
 */
async function listenBelowEphemeral(server: Server): Promise<number> {
  let low = 32768;
  try {
    low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
  } catch {
    // not Linux: the usual default
  }
  const floor = Math.max(1024, low - 12000);
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = floor + Math.floor(Math.random() * (low - floor));
    try {
      await listen(server, port);
      return port;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
  throw new Error(`no free port between ${floor} and ${low}`);
}

/**
 * A TCP proxy in front of a real service, so a test can take the service "down" for the app
 * under test (refuse and cut connections) and bring it back, without touching the shared server.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static forUrl(url: string, defaultPort: number): TcpProxy {
    const parsed = new URL(url);
    return new TcpProxy(parsed.hostname, parsed.port ? Number(parsed.port) : defaultPort);
  }

  /** Rewrites a service URL so it goes through this proxy. */
  urlFor(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = new Socket();
      this.track(client);
      this.track(upstream);
      upstream.connect(this.targetPort, this.targetHost);
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close);
      upstream.on('error', close);
      client.on('close', close);
      upstream.on('close', close);
    });
    if (this.port === 0) {
      this.port = await listenBelowEphemeral(server);
    } else {
      await listen(server, this.port);
    }
    this.server = server;
  }

  /** The service "goes down": new connections are refused and open ones are cut. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }
}
