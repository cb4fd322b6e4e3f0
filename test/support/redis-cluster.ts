import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ClusterNode {
  port: number;
  /** The node's process; replaced by `restart()`. */
  process: ChildProcess;
  dir: string;
}

export interface ClusterInfo {
  port: number;
  role: 'master' | 'slave';
  /** The port of this replica's master (replicas only). */
  masterPort?: number;
  /** Slot ranges served (masters only), e.g. [[0, 5460]]. */
  slots: [number, number][];
  failed: boolean;
}

export interface RedisCluster {
  nodes: ClusterNode[];
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,…` (every node as a seed). */
  url: string;
  /** The current topology, as one live node sees it (CLUSTER NODES). */
  topology(): Promise<ClusterInfo[]>;
  /** Runs redis-cli against one node and returns its output. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** SIGKILLs one node. */
  kill(port: number): void;
  /** Starts a killed node again on its port and folder (it rejoins from nodes.conf). */
  restart(port: number): Promise<void>;
  /**
   * Waits until every slot is served, the cluster says `cluster_state:ok` on every live node and
   * every live replica has synced with its master.
   */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  /** Masters; each gets `replicas` replicas. Default 3 masters, 1 replica each (six nodes). */
  masters?: number;
  replicas?: number;
  /** cluster-node-timeout: how long a master may be silent before its replica takes over. */
  nodeTimeoutMs?: number;
}

async function freePort(): Promise<number> {
  // a cluster node also listens on port + 10000 (the bus): both must be free
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (port + 10000 > 65535) continue;
    const busFree = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port + 10000, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (busFree) return port;
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

function startNode(port: number, dir: string, nodeTimeoutMs: number): ChildProcess {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(dir, 'nodes.conf'),
      '--cluster-node-timeout',
      String(nodeTimeoutMs),
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      // a replica's first sync starts at once instead of after the default 5 s
      '--repl-diskless-sync-delay',
      '0',
      '--daemonize',
      'no',
      '--protected-mode',
      'no',
    ],
    { stdio: 'ignore' },
  );
  child.on('error', () => undefined);
  return child;
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    timeout: 10_000,
  });
  return stdout;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Redis Cluster: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function parseNodes(text: string): ClusterInfo[] {
  const byId = new Map<string, number>();
  const rows = text
    .trim()
    .split('\n')
    .map((line) => line.trim().split(' '));
  for (const [id, address] of rows) byId.set(id, Number(address.split('@')[0].split(':').pop()));
  return rows.map(([, address, flags, master, , , , , ...slots]) => ({
    port: Number(address.split('@')[0].split(':').pop()),
    role: flags.includes('master') ? 'master' : 'slave',
    masterPort: master === '-' ? undefined : byId.get(master),
    slots: slots
      .filter((slot) => /^\d/.test(slot))
      .map((slot) => {
        const [from, to] = slot.split('-').map(Number);
        return [from, to ?? from] as [number, number];
      }),
    failed: flags.split(',').includes('fail'),
  }));
}

/**
 * A local Redis Cluster for tests: `masters × (1 + replicas)` redis-server processes on free
 * ports (no persistence, a temporary folder each), joined with `redis-cli --cluster create`.
 * Stop it in teardown (`stop()`); killed nodes can be restarted to test failover and rejoin.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 1;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 2000;
  const count = masters * (1 + replicas);
  const nodes: ClusterNode[] = [];
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  for (const port of ports) {
    const dir = mkdtempSync(join(tmpdir(), `docent-redis-cluster-${port}-`));
    nodes.push({ port, dir, process: startNode(port, dir, nodeTimeoutMs) });
  }
  const stop = async (): Promise<void> => {
    await Promise.all(
      nodes.map(
        (node) =>
          new Promise<void>((resolve) => {
            if (node.process.exitCode !== null || node.process.signalCode !== null) {
              resolve();
              return;
            }
            node.process.once('exit', () => resolve());
            node.process.kill('SIGKILL');
          }),
      ),
    );
    for (const node of nodes) rmSync(node.dir, { recursive: true, force: true });
  };
  const alive = (node: ClusterNode) =>
    node.process.exitCode === null && node.process.signalCode === null;
  const cluster: RedisCluster = {
    nodes,
    url: `redis+cluster://${nodes.map((node) => `127.0.0.1:${node.port}`).join(',')}`,
    cli,
    async topology() {
      for (const node of nodes.filter(alive)) {
        try {
          return parseNodes(await cli(node.port, 'cluster', 'nodes'));
        } catch {
          // try the next live node
        }
      }
      throw new Error('no live Redis Cluster node answers');
    },
    kill(port) {
      const node = nodes.find((n) => n.port === port);
      if (!node) throw new Error(`no cluster node on port ${port}`);
      node.process.kill('SIGKILL');
    },
    async restart(port) {
      const node = nodes.find((n) => n.port === port);
      if (!node) throw new Error(`no cluster node on port ${port}`);
      if (alive(node)) {
        await new Promise<void>((resolve) => {
          node.process.once('exit', () => resolve());
          node.process.kill('SIGKILL');
        });
      }
      node.process = startNode(port, node.dir, nodeTimeoutMs);
      await waitFor(
        `node ${port}`,
        async () => (await cli(port, 'ping')).trim() === 'PONG',
        10_000,
      );
    },
    async waitHealthy(timeoutMs = 30_000) {
      await waitFor(
        'cluster_state:ok',
        async () => {
          for (const node of nodes.filter(alive)) {
            const info = await cli(node.port, 'cluster', 'info');
            if (!info.includes('cluster_state:ok')) return false;
          }
          const topology = await cluster.topology();
          const served = topology
            .filter((n) => n.role === 'master' && !n.failed)
            .flatMap((n) => n.slots)
            .reduce((sum, [from, to]) => sum + (to - from + 1), 0);
          if (served !== 16384) return false;
          // and every live replica has synced with its master: a replica that never did (the
          // master waits repl-diskless-sync-delay before the first transfer) refuses to take over
          // when its master dies, so a failover test would wait for a promotion that never comes
          for (const node of nodes.filter(alive)) {
            const replication = await cli(node.port, 'info', 'replication');
            if (
              replication.includes('role:slave') &&
              !replication.includes('master_link_status:up')
            ) {
              return false;
            }
          }
          return true;
        },
        timeoutMs,
      );
    },
    stop,
  };
  try {
    for (const node of nodes) {
      await waitFor(
        `node ${node.port}`,
        async () => (await cli(node.port, 'ping')).trim() === 'PONG',
        10_000,
      );
    }
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((node) => `127.0.0.1:${node.port}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    );
    await cluster.waitHealthy();
    // every replica attached to its master before tests rely on failover
    await waitFor(
      'replicas in sync',
      async () => {
        const topology = await cluster.topology();
        return topology.filter((n) => n.role === 'slave').length === masters * replicas;
      },
      30_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return cluster;
}
