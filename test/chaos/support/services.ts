import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { Client } from 'pg';

const run = promisify(execFile);

/** A TCP port nobody listens on right now (the kernel's pick). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(probe: () => Promise<boolean>, timeoutMs: number, what: string) {
  const started = Date.now();
  while (!(await probe().catch(() => false))) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what} not up within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** The PostgreSQL binaries of the installed major version (Debian layout). */
async function pgBin(name: string): Promise<string> {
  const { stdout } = await run('sh', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1']);
  return join(stdout.trim(), name);
}

/**
 * A PostgreSQL cluster of the suite's own (`initdb` in a temporary folder, run as the `postgres`
 * OS user, on a free port), so the suite can stop and restart it without touching the machine's
 * server. Local connections are trusted; the apps still use their least-privilege role.
 */
export class PostgresCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'docent-chaos-pg-'));
  private readonly data = join(this.dir, 'data');
  private readonly socketDir = join(this.dir, 'sock');
  readonly log = join(this.dir, 'postgres.log');
  port = 0;

  get superuserUrl(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/postgres`;
  }

  urlFor(database: string): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** As root, PostgreSQL refuses to run: use the `postgres` OS user; as anyone else, oneself. */
  private asPostgres(args: string[]) {
    if (process.getuid?.() !== 0) return run(args[0], args.slice(1), { cwd: '/' });
    return run('runuser', ['-u', 'postgres', '--', ...args], { cwd: '/' });
  }

  async init(): Promise<void> {
    this.port = await freePort();
    mkdirSync(this.socketDir);
    if (process.getuid?.() === 0) {
      for (const path of [this.dir, this.socketDir]) chownSync(path, pgUid(), pgGid());
    }
    await this.asPostgres([
      await pgBin('initdb'),
      '-D',
      this.data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '--no-sync',
      '-E',
      'UTF8',
    ]);
    await this.start();
  }

  async start(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      `-k ${this.socketDir}`,
      '-c listen_addresses=127.0.0.1',
      '-c max_connections=200',
      '-c fsync=off',
      '-c shared_buffers=64MB',
    ].join(' ');
    await this.asPostgres([
      await pgBin('pg_ctl'),
      '-D',
      this.data,
      '-l',
      this.log,
      '-o',
      options,
      '-w',
      '-t',
      '60',
      'start',
    ]);
    await until(() => this.accepts(), 30_000, 'PostgreSQL');
  }

  /** A fast shutdown (what an operator's restart does): open sessions are ended. */
  async stop(): Promise<void> {
    await this.asPostgres([await pgBin('pg_ctl'), '-D', this.data, '-m', 'fast', '-w', 'stop']);
  }

  async accepts(): Promise<boolean> {
    const client = new Client({
      connectionString: this.superuserUrl,
      connectionTimeoutMillis: 1000,
    });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

let uidCache: { uid: number; gid: number } | undefined;
function pgIds() {
  if (!uidCache) {
    // the suite runs as root (runuser needs it); the data folder belongs to `postgres`
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    uidCache = { uid, gid };
  }
  return uidCache;
}
const pgUid = () => pgIds().uid;
const pgGid = () => pgIds().gid;

/** A Redis server of the suite's own with AOF on (so a restart keeps queues and chat history). */
export class RedisServer {
  readonly dir = mkdtempSync(join(tmpdir(), 'docent-chaos-redis-'));
  port = 0;
  private child?: ChildProcess;
  private exited?: Promise<void>;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--save',
        '',
        '--dir',
        this.dir,
        '--logfile',
        join(this.dir, 'redis.log'),
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await until(() => this.ping(), 30_000, 'Redis');
  }

  /** SIGTERM: Redis flushes the AOF and exits (a clean restart keeps every acknowledged write). */
  async stop(): Promise<void> {
    this.child?.kill('SIGTERM');
    await this.exited;
    this.child = undefined;
  }

  async ping(): Promise<boolean> {
    const client = new Redis(this.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 1000,
    });
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
