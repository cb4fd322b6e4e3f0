import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Env } from '@docent/config';
import { ensureBuiltApi, ensureBuiltWorker, spawnBuilt } from '../support/built-worker';
import { testEnv } from '../support/config';
import { freePort, Haproxy } from '../support/haproxy';
import { startRedisCluster } from '../support/redis-cluster';
import { type SmtpCapture, startSmtp } from '../support/smtp';

/** One built app (api or worker) running as a child process on its own port. */
export interface AppProcess {
  name: string;
  kind: 'api' | 'worker';
  port: number;
  /** Its own address (bypassing HAProxy): health, metrics, direct checks. */
  url: string;
  child: ChildProcess;
  output: string[];
  exited: Promise<number | NodeJS.Signals | null>;
}

/** What the topology test uses of test/support/redis-cluster.ts's RedisCluster. */
export interface RedisClusterControl {
  topology(): Promise<{ port: number; role: 'master' | 'slave'; failed: boolean }[]>;
  kill(port: number): void;
  waitHealthy(timeoutMs?: number): Promise<void>;
}

/** Where the topology's Redis is, and how to stop it when the topology started it. */
export interface TopologyRedis {
  url: string;
  stop(): Promise<void>;
  /** Set on a Redis Cluster (DOCENT_TEST_REDIS_CLUSTER=1). */
  cluster?: RedisClusterControl;
}

/**
 * The run's Redis: the single local server (the e2e global set-up's), or with
 * DOCENT_TEST_REDIS_CLUSTER=1 a six-node Redis Cluster started by test/support/redis-cluster.ts
 * (`startRedisCluster(): Promise<{ url: string; stop(): Promise<void> }>`, where `url` is the
 * `redis+cluster://` form REDIS_URL accepts).
 */
export async function topologyRedis(): Promise<TopologyRedis> {
  if (process.env.DOCENT_TEST_REDIS_CLUSTER !== '1') {
    return { url: process.env.DOCENT_TEST_REDIS_URL as string, stop: async () => undefined };
  }
  const cluster = await startRedisCluster();
  return { url: cluster.url, stop: () => cluster.stop(), cluster };
}

const alive = (app: AppProcess) => app.child.exitCode === null && app.child.signalCode === null;

async function waitReady(app: AppProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive(app)) {
      throw new Error(`${app.name} exited: ${app.output.join('').slice(-4000)}`);
    }
    try {
      const response = await fetch(`${app.url}/health/ready`);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`${app.name} not ready after ${timeoutMs} ms: ${app.output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

export interface TopologyOptions {
  apis?: number;
  workers?: number;
  /** Added to every process's environment. */
  env?: Env;
  /** Added to the first api's only (e.g. ADMIN_EMAIL/ADMIN_PASSWORD: one process creates it). */
  firstApiEnv?: Env;
}

/**
 * HAProxy in front of N built api processes, M built worker processes, one SMTP sink, all on
 * the run's PostgreSQL database and one Redis key prefix, storage and secrets: a deployment as
 * an operator runs it, on one machine.
 */
export class Topology {
  readonly apis: AppProcess[] = [];
  readonly workers: AppProcess[] = [];
  haproxy!: Haproxy;
  smtp!: SmtpCapture;
  redis!: TopologyRedis;
  env!: Env;

  /** The load balancer's address: what clients use. */
  get url(): string {
    return this.haproxy.url;
  }

  static async start(options: TopologyOptions = {}): Promise<Topology> {
    const topology = new Topology();
    try {
      await topology.boot(options);
    } catch (error) {
      await topology.stop();
      throw error;
    }
    return topology;
  }

  private async boot(options: TopologyOptions): Promise<void> {
    // build once, before any process starts (both entry points are checked against the sources)
    ensureBuiltApi();
    ensureBuiltWorker();
    this.redis = await topologyRedis();
    this.smtp = await startSmtp();
    this.env = testEnv({
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
      LOG_PRETTY: 'false',
      REDIS_URL: this.redis.url,
      SMTP_URL: this.smtp.url,
      PUBLIC_APP_URL: 'http://docent.test',
      // one hop in front of the apps: HAProxy, which appends the client to X-Forwarded-For
      TRUST_PROXY: '1',
      ...options.env,
    });
    const apis = options.apis ?? 2;
    const workers = options.workers ?? 3;
    for (let i = 1; i <= apis; i += 1) {
      this.apis.push(await this.spawnApp('api', `api${i}`, i === 1 ? options.firstApiEnv : {}));
    }
    for (let i = 1; i <= workers; i += 1) {
      this.workers.push(await this.spawnApp('worker', `worker${i}`));
    }
    await Promise.all([...this.apis, ...this.workers].map((app) => waitReady(app)));
    this.haproxy = await Haproxy.start({
      backends: this.apis.map((api) => ({ name: api.name, host: '127.0.0.1', port: api.port })),
    });
    await this.haproxy.waitUp(this.apis.map((api) => api.name));
  }

  private async spawnApp(
    kind: 'api' | 'worker',
    name: string,
    extra: Env = {},
    port?: number,
  ): Promise<AppProcess> {
    const own = port ?? (await freePort());
    const env: Env = {
      ...this.env,
      ...extra,
      ...(kind === 'api' ? { PORT: String(own) } : { WORKER_HTTP_PORT: String(own) }),
    };
    const entry = kind === 'api' ? ensureBuiltApi() : ensureBuiltWorker();
    return {
      name,
      kind,
      port: own,
      url: `http://127.0.0.1:${own}`,
      ...spawnBuilt(entry, env),
    };
  }

  /** Starts a stopped app again on its port (HAProxy's config names it) and waits until ready. */
  async restart(app: AppProcess): Promise<AppProcess> {
    if (alive(app)) throw new Error(`${app.name} is still running`);
    const fresh = await this.spawnApp(app.kind, app.name, {}, app.port);
    const list = app.kind === 'api' ? this.apis : this.workers;
    list[list.indexOf(app)] = fresh;
    await waitReady(fresh);
    return fresh;
  }

  /** SIGKILL: no drain, no goodbye, sockets cut. Resolves once the process is gone. */
  async kill(app: AppProcess): Promise<void> {
    app.child.kill('SIGKILL');
    await app.exited;
  }

  /** The value of a Prometheus metric (sum over its series matching `labels`) on one process. */
  async metric(
    app: AppProcess,
    name: string,
    labels: Record<string, string> = {},
  ): Promise<number> {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    let total = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(name)) continue;
      const match = /^([a-z_:]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
      if (!match || match[1] !== name) continue;
      const series = match[2] ?? '';
      if (Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`))) {
        total += Number(match[3]);
      }
    }
    return total;
  }

  async stop(): Promise<void> {
    const running = [...this.apis, ...this.workers].filter(alive);
    for (const app of running) app.child.kill('SIGTERM');
    await Promise.all(
      running.map(async (app) => {
        const timer = setTimeout(() => app.child.kill('SIGKILL'), 15_000);
        await app.exited;
        clearTimeout(timer);
      }),
    );
    await this.haproxy?.stop();
    await this.smtp?.close();
    await this.redis?.stop();
  }
}

/** A tag unique to this run, for names and e-mail addresses. */
export const runTag = () => randomBytes(3).toString('hex');
