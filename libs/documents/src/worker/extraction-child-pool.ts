import { type ChildProcess, fork } from 'node:child_process';
import { CHILD_FILENAME, CHILD_MARKER } from './extraction-child';

/**
 * Children are reused: starting one and loading the extractors costs far more than extracting a
 * small file (bench/RESULTS.md, ingestion). A child serves one request at a time; one that fails
 * in any way other than a clean extraction error (timeout, memory cap, crash) is killed, never
 * reused, and a child is retired after `MAX_JOBS_PER_CHILD` requests so whatever a parser leaks
 * stays bounded. Idle children do not keep the process alive.
 */
const MAX_JOBS_PER_CHILD = 200;

export interface PooledChild {
  child: ChildProcess;
  /** The node options it was started with: a child is reused for requests that want the same. */
  execArgv: string[];
  jobs: number;
  /** The last lines the child wrote on stderr (V8's out-of-memory report). */
  stderr: string;
}

const idleChildren: PooledChild[] = [];
let childrenStarted = 0;

/** How many extraction processes this process has started (observability, tests). */
export function extractionChildrenStarted(): number {
  return childrenStarted;
}

/** The process ids of the extraction processes alive now (observability, tests). */
export function extractionChildPids(): number[] {
  return [...live].map((c) => c.pid).filter((pid): pid is number => pid !== undefined);
}

const live = new Set<ChildProcess>();

export function acquireChild(execArgv: string[]): PooledChild {
  const key = execArgv.join('\0');
  const index = idleChildren.findIndex((c) => c.execArgv.join('\0') === key);
  if (index >= 0) {
    const [pooled] = idleChildren.splice(index, 1);
    setReferenced(pooled.child, true);
    return pooled;
  }
  childrenStarted += 1;
  const child = fork(CHILD_FILENAME, [CHILD_MARKER], {
    execArgv,
    // none of the worker's environment (JWT secret, data keys, database and Redis URLs): code
    // that a parser bug lets a hostile file run finds no secret to read
    env: { NODE_ENV: 'production' },
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const pooled: PooledChild = { child, execArgv, jobs: 0, stderr: '' };
  child.stderr?.on('data', (chunk: Buffer) => {
    pooled.stderr = (pooled.stderr + chunk.toString('utf8')).slice(-4096);
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return pooled;
}

/** An idle child must not keep the worker alive: its IPC channel and stderr pipe are unref'd. */
function setReferenced(child: ChildProcess, referenced: boolean): void {
  const handles = [child, child.channel, child.stderr] as ({
    ref?(): void;
    unref?(): void;
  } | null)[];
  for (const handle of handles) {
    if (referenced) handle?.ref?.();
    else handle?.unref?.();
  }
}

export function releaseChild(pooled: PooledChild, reusable: boolean): void {
  const { child } = pooled;
  child.removeAllListeners('message');
  child.removeAllListeners('error');
  child.removeAllListeners('exit');
  child.removeAllListeners('close');
  child.once('exit', () => live.delete(child));
  if (reusable && pooled.jobs < MAX_JOBS_PER_CHILD && child.connected) {
    // a child that dies while idle is simply dropped
    child.once('exit', () => {
      const index = idleChildren.indexOf(pooled);
      if (index >= 0) idleChildren.splice(index, 1);
    });
    setReferenced(child, false);
    idleChildren.push(pooled);
  } else {
    child.kill('SIGKILL');
  }
}

/** Ends the idle extraction processes (shutdown, tests). */
export async function closeExtractionChildren(): Promise<void> {
  await Promise.all(
    idleChildren.splice(0).map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}
