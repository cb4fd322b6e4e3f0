import { freePort } from './built-worker';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's haproxy binary (`apt-get install haproxy`); override with HAPROXY_BIN. */
export const HAPROXY_BIN = process.env.HAPROXY_BIN ?? 'haproxy';

/** True when the haproxy binary runs here. */
export function haproxyAvailable(): boolean {
  try {
    execFileSync(HAPROXY_BIN, ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A port nothing listens on right now (the kernel's choice, released at once). */
export { freePort };

export interface HaproxyBackend {
  /** The server's name in the config; HAProxy sends it back in `X-Served-By`. */
  name: string;
  host: string;
  port: number;
}

export interface HaproxyOptions {
  backends: HaproxyBackend[];
  /** The port HAProxy listens on (a free one when absent). */
  port?: number;
  /** Health-check interval in ms (default 500: a dead api leaves the rotation within ~1 s). */
  checkIntervalMs?: number;
}

/**
 * The configuration a Docent deployment needs in front of several api instances: round robin
 * over every request (no stickiness: no cookie, no `balance source`, no prefer-last-server),
 * health checks on `/health/ready` (a draining or broken instance leaves the rotation), the
 * client's address added to `X-Forwarded-For` (the api runs with TRUST_PROXY=1), `timeout tunnel`
 * long enough for WebSocket connections, and a failed connection retried on another server
 * (`option redispatch`). `X-Served-By` (the server's name) is for the tests only.
 */
export function haproxyConfig(options: {
  port: number;
  backends: HaproxyBackend[];
  statsSocket: string;
  checkIntervalMs?: number;
}): string {
  const inter = options.checkIntervalMs ?? 500;
  return [
    'global',
    `    stats socket ${options.statsSocket} mode 600 level admin`,
    '    maxconn 4096',
    '',
    'defaults',
    '    mode http',
    '    option forwardfor',
    // a request whose connection failed, or (GET/HEAD only: they are safe to repeat) whose
    // server died before answering, is sent again, to another server
    '    option redispatch 1',
    '    retries 3',
    '    retry-on conn-failure empty-response response-timeout',
    '    timeout connect 2s',
    '    timeout client 60s',
    '    timeout server 60s',
    // a WebSocket (socket.io) connection is a tunnel once upgraded: it may sit idle between
    // events far longer than an HTTP exchange; socket.io pings every 25 s anyway
    '    timeout tunnel 1h',
    '    timeout client-fin 5s',
    '    timeout http-keep-alive 10s',
    '',
    'frontend docent',
    `    bind 127.0.0.1:${options.port}`,
    '    default_backend api',
    '',
    'backend api',
    '    balance roundrobin',
    '    http-request disable-l7-retry if !METH_GET',
    // no instance ready (all failing /health/ready, e.g. while Redis fails over): HAProxy's own
    // 503 is problem details with Retry-After, like the api's, so clients retry it the same way
    `    http-error status 503 content-type "application/problem+json" string '{"type":"https://docent.dev/problems/dependency_unavailable","title":"Service Unavailable","status":503,"detail":"No api instance is ready to answer; retry shortly.","code":"dependency_unavailable"}' hdr Retry-After 2`,
    '    option httpchk GET /health/ready',
    '    http-check expect status 200',
    '    http-response set-header X-Served-By %s',
    `    default-server inter ${inter} fastinter ${inter} downinter ${inter} rise 1 fall 2`,
    ...options.backends.map(
      (backend) => `    server ${backend.name} ${backend.host}:${backend.port} check`,
    ),
    '',
  ].join('\n');
}

export interface ServerState {
  name: string;
  /** HAProxy's status: UP, DOWN, MAINT, "UP 1/2", … */
  status: string;
}

/** A running HAProxy in front of the given backends, its config in a temporary folder. */
export class Haproxy {
  readonly url: string;
  readonly output: string[] = [];
  private child?: ChildProcess;
  private exited?: Promise<unknown>;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly statsSocket: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  static async start(options: HaproxyOptions): Promise<Haproxy> {
    const port = options.port ?? (await freePort());
    const dir = mkdtempSync(join(tmpdir(), 'docent-haproxy-'));
    const statsSocket = join(dir, 'admin.sock');
    const configFile = join(dir, 'haproxy.cfg');
    writeFileSync(
      configFile,
      haproxyConfig({
        port,
        backends: options.backends,
        statsSocket,
        checkIntervalMs: options.checkIntervalMs,
      }),
    );
    // -c first: a config error is reported as such, not as a process that never listens
    execFileSync(HAPROXY_BIN, ['-c', '-q', '-f', configFile], { stdio: 'pipe' });
    const proxy = new Haproxy(port, dir, statsSocket);
    // -db: foreground, no daemon; -Ws not needed (one process, no reloads)
    const child = spawn(HAPROXY_BIN, ['-db', '-f', configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => proxy.output.push(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => proxy.output.push(chunk.toString('utf8')));
    proxy.child = child;
    proxy.exited = new Promise((resolve) => child.once('exit', resolve));
    await proxy.waitListening();
    return proxy;
  }

  private async waitListening(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child?.exitCode !== null) {
        throw new Error(`haproxy exited: ${this.output.join('')}`);
      }
      const ok = await new Promise<boolean>((resolve) => {
        const socket = connect(this.port, '127.0.0.1', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`haproxy is not listening on ${this.port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** One command on HAProxy's runtime API (the stats socket); its whole answer. */
  command(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.statsSocket);
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
      socket.once('error', reject);
      socket.once('end', () => resolve(answer));
      socket.write(`${line}\n`);
    });
  }

  /** The health-check state of each api server, as HAProxy sees it. */
  async servers(): Promise<ServerState[]> {
    const csv = await this.command('show stat');
    const lines = csv.split('\n').filter((line) => line.length > 0);
    const header = lines[0].replace(/^# /, '').split(',');
    const [px, sv, status] = ['pxname', 'svname', 'status'].map((f) => header.indexOf(f));
    return lines
      .slice(1)
      .map((line) => line.split(','))
      .filter((f) => f[px] === 'api' && f[sv] !== 'BACKEND' && f[sv] !== 'FRONTEND')
      .map((f) => ({ name: f[sv], status: f[status] }));
  }

  /** Waits until HAProxy's health checks see exactly `names` UP (and the others not UP). */
  async waitUp(names: string[], timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: ServerState[] = [];
    for (;;) {
      last = await this.servers();
      const up = last.filter((s) => s.status === 'UP').map((s) => s.name);
      if (up.length === names.length && names.every((n) => up.includes(n))) return;
      if (Date.now() > deadline) {
        throw new Error(`haproxy servers after ${timeoutMs} ms: ${JSON.stringify(last)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      await this.exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
